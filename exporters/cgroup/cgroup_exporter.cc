#include "exporters/cgroup/cgroup_exporter.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "exporters/cgroup/cgroup_reader.h"
#include "exporters/cgroup/cgroup_set.h"
#include "exporters/cgroup/host_processes.h"
#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/layout.h"
#include "exporters/cgroup/taskstats.h"

namespace swarmscope::cgroup {
namespace {

// The descriptor budget, after raising the soft limit to the hard one (logged, as it is a
// cost the operator may want to know of).
DescriptorBudget Budget(Logger& log) {
  uint64_t before = 0;
  uint64_t after = 0;
  DescriptorBudget budget = DescriptorBudget::ForThisProcess(&before, &after);
  log.Info("cgroup exporter keeps cgroup and /proc files open between scrapes",
           {{"nofile_soft_limit_before", std::to_string(before)},
            {"nofile_soft_limit", std::to_string(after)},
            {"descriptor_budget", std::to_string(budget.limit())}});
  return budget;
}

// The host's network namespace (see HostNet): that of <procfs>/1, else of <procfs>/2
// (kthreadd, a kernel thread of the initial namespaces, whose link only a collector
// without every capability cannot read). Logged when none of it can be had: containers on
// the host's network then cannot be told apart.
HostNet HostNetOf(const std::string& procfs, Logger& log) {
  HostNet net;
  int error = 0;
  for (const char* pid : {"/1", "/2"}) {
    char link[128];
    const ssize_t n = ::readlink((procfs + pid + "/ns/net").c_str(), link, sizeof(link));
    if (n > 0) {
      net.link.assign(link, static_cast<size_t>(n));
      break;
    }
    error = errno;
  }
  struct stat st {};
  if (::stat((procfs + "/1/net/dev").c_str(), &st) == 0) {
    net.dev = st.st_dev;
    net.net_dev = st.st_ino;
  }
  if (!net.known()) {
    log.Warn(
        "cgroup exporter: cannot tell the host's network namespace; containers on the host's "
        "network will be reported with the host's interfaces",
        {{"path", procfs + "/1/ns/net"}, {"error", std::strerror(error)}});
  }
  return net;
}

// The v1 controller whose line of /proc/<pid>/cgroup places a process in `h`; "" for the
// cgroup2 line.
std::string ControllerOf(Hierarchy h) {
  switch (h) {
    case Hierarchy::kCpu:
      return "cpu";
    case Hierarchy::kCpuacct:
      return "cpuacct";
    case Hierarchy::kMemory:
      return "memory";
    case Hierarchy::kBlkio:
      return "blkio";
    case Hierarchy::kPids:
      return "pids";
    case Hierarchy::kUnified:
      return "";
  }
  return "";
}

// Whose pids the procfs shows, logged: another pid namespace's costs a listing of it per
// scrape (see HostProcesses).
PidView PidViewOf(const std::string& procfs, Logger& log) {
  std::string self;
  const PidView view = ProcfsPidViewOf(procfs, &self);
  if (view == PidView::kOther) {
    log.Info(
        "cgroup exporter: the procfs is of another pid namespace than the collector's; "
        "processes are found by listing it, not by cgroup.procs",
        {{"procfs", procfs},
         {"procfs_self", self.empty() ? "(none)" : self},
         {"own_pid", std::to_string(::getpid())},
         {"host_cgroup_namespace", InHostCgroupNamespace(procfs) ? "yes" : "no"}});
  }
  return view;
}

class CgroupExporter : public Exporter {
 public:
  CgroupExporter(ExporterDeps& deps, const CgroupOptions& options)
      : log_(deps.log),
        inventory_(deps.inventory),
        procfs_(deps.config.procfs),
        paths_{deps.config.rootfs, deps.config.sysfs},
        parents_(options.parents),
        label_keys_(options.labels),
        timestamps_(options.timestamps),
        limits_interval_(options.limits_refresh_interval),
        docker_ids_(options.id == "docker"),
        budget_(Budget(deps.log)),
        files_(budget_),
        mounts_(procfs_),
        host_net_(HostNetOf(procfs_, deps.log)),
        pid_view_(PidViewOf(procfs_, deps.log)),
        slash_is_root_(InHostCgroupNamespace(procfs_)),
        cgroups_(files_) {
    for (const auto& key : label_keys_) {
      label_names_.push_back("container_label_" + SanitizeLabelName(key));
    }
  }

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    // The engine runs one collection of a collector at a time; the lock makes that a
    // property of the exporter rather than of its caller.
    std::lock_guard lock(mu_);
    if (!RefreshLayout(ctx)) {
      return false;
    }
    if (host_ && !host_->Refresh()) {
      ctx.Error("procfs_unlistable", "cannot list the procfs: no processes, network or /proc I/O",
                {{"path", host_->procfs()}});
    }
    const Layout& layout = reader_->layout();
    const auto& cgroups = cgroups_.Discover(layout.dir(layout.base()), parents_);
    RefreshLabels(cgroups);
    const auto now = std::chrono::steady_clock::now();
    ScheduleLimits(cgroups, now);
    reader_->BeginScrape(now);
    for (CgroupState* c : cgroups) {
      if (ctx.Expired()) {
        return false;
      }
      if (reader_->Read(*c, ctx) && c->docker_start_seconds > 0) {
        c->stats.start_time_seconds = c->docker_start_seconds;
      }
    }
    Write(cgroups, out);
    const uint64_t fallback = files_.TakeFallbackReads();
    if (const uint64_t lost = files_.TakeOutOfDescriptors(); lost > 0) {
      ctx.Error("out_of_descriptors", "out of file descriptors: some files could not be read",
                {{"files", std::to_string(lost)}});
    }
    if (budget_.reached() && !warned_budget_) {
      warned_budget_ = true;
      log_.Warn(
          "cgroup exporter: descriptor budget spent, further files are read with open/read/close",
          {{"descriptors_kept", std::to_string(budget_.held())},
           {"descriptor_budget", std::to_string(budget_.limit())},
           {"files_read_with_open_read_close", std::to_string(fallback)}});
    }
    return true;
  }

 private:
  // Works the layout out again only when the mount table changed.
  bool RefreshLayout(ScrapeContext& ctx) {
    switch (mounts_.Check()) {
      case MountWatch::Status::kUnreadable:
        ctx.Error("mountinfo", "cannot read mountinfo", {{"path", mounts_.path()}});
        return false;
      case MountWatch::Status::kChanged: {
        size_t bad_lines = 0;
        Layout layout = DiscoverLayout(ParseMountInfo(mounts_.text(), &bad_lines), paths_);
        if (bad_lines > 0) {
          ctx.Error("mountinfo_malformed", "skipped malformed mountinfo lines",
                    {{"lines", std::to_string(bad_lines)}});
        }
        if (!reader_ || !(layout == reader_->layout())) {
          cgroups_.Clear();  // every path changed
          reader_.reset();
          host_.reset();
          if (pid_view_ == PidView::kOther && !layout.empty()) {
            host_ = std::make_unique<HostProcesses>(procfs_, ControllerOf(layout.base()),
                                                    slash_is_root_);
          }
          reader_ = std::make_unique<CgroupReader>(std::move(layout), procfs_, files_,
                                                   &cgroupstats_, host_net_, host_.get());
        }
        break;
      }
      case MountWatch::Status::kUnchanged:
        break;
    }
    if (reader_->layout().empty()) {
      ctx.Error("no_cgroups", "no cgroup filesystem found in mountinfo");
      return false;
    }
    return true;
  }

  // Label sets are rendered when a cgroup is first seen and again only when the
  // inventory changed what they show.
  void RefreshLabels(const std::vector<CgroupState*>& cgroups) {
    auto snapshot = inventory_.Snapshot();
    const bool changed = snapshot_ == nullptr || snapshot->generation != snapshot_->generation;
    for (CgroupState* c : cgroups) {
      if (c->labels_built && (!changed || c->container_id.empty())) {
        continue;
      }
      const ContainerInfo* now =
          c->container_id.empty() ? nullptr : snapshot->Find(c->container_id);
      // A `docker update` may have changed its limits: read them again in this scrape.
      const uint64_t updates = now != nullptr ? now->updates : 0;
      if (updates != c->limits_updates) {
        c->limits_updates = updates;
        c->limits_due = true;
      }
      if (c->labels_built && SameLabels(snapshot_->Find(c->container_id), now)) {
        continue;
      }
      BuildLabels(*c, now);
    }
    snapshot_ = std::move(snapshot);
  }

  // Limits changed without Docker are caught by reading every cgroup's again after
  // limits_interval_: oldest first, and at most the share of cgroups that keeps every one
  // within the interval at the current scrape rate (at least one), so that cgroups first
  // seen together are not all read again in the same scrape.
  void ScheduleLimits(const std::vector<CgroupState*>& cgroups,
                      std::chrono::steady_clock::time_point now) {
    const auto gap =
        last_scrape_ == std::chrono::steady_clock::time_point{}
            ? limits_interval_
            : std::min<std::chrono::steady_clock::duration>(now - last_scrape_, limits_interval_);
    last_scrape_ = now;
    stale_.clear();
    for (CgroupState* c : cgroups) {
      if (!c->limits_due && c->limits_read && now - c->limits_read_at >= limits_interval_) {
        stale_.push_back(c);
      }
    }
    if (stale_.empty()) {
      return;
    }
    size_t quota = stale_.size();
    if (limits_interval_.count() > 0) {
      const double share = std::chrono::duration<double>(gap) / limits_interval_;
      quota = std::max<size_t>(1, static_cast<size_t>(std::ceil(share * cgroups.size())));
    }
    if (quota < stale_.size()) {
      std::nth_element(stale_.begin(), stale_.begin() + static_cast<ptrdiff_t>(quota), stale_.end(),
                       [](const CgroupState* a, const CgroupState* b) {
                         return a->limits_read_at < b->limits_read_at;
                       });
      stale_.resize(quota);
    }
    for (CgroupState* c : stale_) {
      c->limits_due = true;
    }
  }

  bool SameLabels(const ContainerInfo* a, const ContainerInfo* b) const {
    if (a == nullptr || b == nullptr) {
      return a == b;
    }
    if (a->name != b->name || a->image != b->image ||
        a->start_time_seconds != b->start_time_seconds) {
      return false;
    }
    for (const auto& key : label_keys_) {
      const auto x = a->labels.find(key);
      const auto y = b->labels.find(key);
      const bool in_a = x != a->labels.end();
      if (in_a != (y != b->labels.end()) || (in_a && x->second != y->second)) {
        return false;
      }
    }
    return true;
  }

  // Rendered once per container (and again only when its inventory entry changes), like
  // the other labels: the docker form of the id costs nothing per scrape.
  void BuildLabels(CgroupState& c, const ContainerInfo* info) const {
    c.labels.clear();
    if (docker_ids_ && !c.container_id.empty()) {
      c.labels.Add("id", "/docker/" + c.container_id);
    } else {
      c.labels.Add("id", c.path);
    }
    c.labels_built = true;
    c.docker_start_seconds = info != nullptr ? info->start_time_seconds : 0;
    if (info == nullptr) {
      return;
    }
    if (!info->image.empty()) {
      c.labels.Add("image", info->image);
    }
    if (!info->name.empty()) {
      c.labels.Add("name", info->name);
    }
    for (size_t i = 0; i < label_keys_.size(); ++i) {
      auto it = info->labels.find(label_keys_[i]);
      if (it != info->labels.end()) {
        c.labels.Add(label_names_[i], it->second);
      }
    }
  }

  void Write(const std::vector<CgroupState*>& cgroups, MetricWriter& out) const {
    const auto now = std::chrono::system_clock::now();
    const auto now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (timestamps_) {
      out.SetTimestamp(
          std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    }
    for (const MetricRow& row : MetricTable()) {
      FamilyWriter& family = out.Family(row.spec);
      for (const CgroupState* c : cgroups) {
        if (!c->present) {
          continue;
        }
        if (row.emit == nullptr) {
          family.Add(c->labels, static_cast<int64_t>(now_seconds));
        } else {
          row.emit(family, c->labels, c->stats);
        }
      }
    }
    out.SetTimestamp(0);
  }

  std::mutex mu_;
  Logger& log_;
  ContainerInventory& inventory_;
  std::string procfs_;
  PathMapper paths_;
  std::vector<std::string> parents_;
  std::vector<std::string> label_keys_;
  std::vector<std::string> label_names_;  ///< container_label_<key>, per label_keys_
  bool timestamps_;
  std::chrono::milliseconds limits_interval_;
  bool docker_ids_;  ///< --cgroup.id=docker
  std::chrono::steady_clock::time_point last_scrape_{};
  std::vector<CgroupState*> stale_;  ///< scratch: cgroups whose limits are older than due
  DescriptorBudget budget_;
  FileReader files_;
  MountWatch mounts_;
  CgroupStatsClient cgroupstats_;
  HostNet host_net_;
  PidView pid_view_;
  bool slash_is_root_;                   ///< this process is in the host's cgroup namespace
  std::unique_ptr<HostProcesses> host_;  ///< with PidView::kOther: each cgroup's processes
  std::unique_ptr<CgroupReader> reader_;
  CgroupSet cgroups_;  // declared after files_: gives its descriptors back first
  std::shared_ptr<const ContainerSnapshot> snapshot_;  ///< the one the labels were built from
  bool warned_budget_ = false;
};

}  // namespace

ExporterSpec CgroupExporterSpec() {
  OptionTable<CgroupOptions> options;
  options
      .Add(&CgroupOptions::parents, "parents",
           "Comma-separated cgroup directories whose children are containers (64-hex names, or "
           "docker-<id>.scope for the systemd driver).")
      .Add(&CgroupOptions::labels, "labels",
           "Comma-separated Docker labels exported as container_label_<key> on container series.")
      .Add(&CgroupOptions::timestamps, "timestamps",
           "Give cgroup samples explicit timestamps (as cAdvisor does).")
      .Add(&CgroupOptions::limits_refresh_interval, "limits-refresh-interval",
           "Resource limits (container_spec_*, container_threads_max) are read when a cgroup is "
           "first seen and at once after a docker update; this is how old they may get "
           "otherwise (limits written without Docker), spread over scrapes. 0s reads them every "
           "scrape.")
      .Add(&CgroupOptions::id, "id",
           "The id label of container series: path (the cgroup path, as cAdvisor writes it: "
           "/docker/<id> with the cgroupfs driver, /system.slice/docker-<id>.scope with "
           "systemd's, or under dockerd's --cgroup-parent) or docker (/docker/<full container "
           "id> whatever the driver and parent, as swarmprom's id=~\"/docker/.*\" filters "
           "expect). The root cgroup is / either way.",
           {"path", "docker"});
  return DefineExporter(
      "cgroup",
      "per-container CPU, memory, IO, network, pids and pressure from cgroups (cAdvisor names)",
      true, options,
      [](ExporterDeps& deps, const CgroupOptions& o) {
        return std::make_unique<CgroupExporter>(deps, o);
      },
      CgroupMetricSpecs);
}

}  // namespace swarmscope::cgroup
