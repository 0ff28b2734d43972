#include "exporters/cgroup/cgroup_exporter.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <set>

#include "collector/process_stats.h"

namespace swarmscope::cgroup {
namespace {

constexpr uint64_t kNsPerUs = 1000;
// v1 reports "no limit" as a huge page-aligned number (9223372036854771712 here); anything
// this large is no limit. cAdvisor shows no limit as 0, and so do we.
constexpr uint64_t kUnlimitedFloor = uint64_t{1} << 62;

std::optional<uint64_t> Limit(std::optional<uint64_t> v) {
  if (v && *v >= kUnlimitedFloor) return uint64_t{0};
  return v;
}

std::string Join(const std::string& dir, std::string_view rel) {
  if (rel.empty() || rel == "/") return dir;
  std::string out = dir;
  if (!out.empty() && out.back() == '/') out.pop_back();
  if (rel.front() != '/') out += '/';
  out += rel;
  return out;
}


// --- The metric table --------------------------------------------------------------------

using Emit = void (*)(FamilyWriter&, const LabelSet&, const Stats&);

struct Row {
  MetricSpec spec;
  Emit emit;
};

double Seconds(uint64_t ns) { return static_cast<double>(ns) / 1e9; }

template <typename T>
void Maybe(FamilyWriter& f, const LabelSet& l, const std::optional<T>& v) {
  if (v) f.Add(l, *v);
}

LabelSet Pairs(std::string_view a, std::string_view av, std::string_view b = {},
               std::string_view bv = {}) {
  LabelSet l;
  l.Add(a, av);
  if (!b.empty()) l.Add(b, bv);
  return l;
}

// Constant extra labels, rendered once.
const LabelSet& CpuTotal() {
  static const LabelSet kLabels = Pairs("cpu", "total");
  return kLabels;
}

const LabelSet& Failure(bool major, bool hierarchy) {
  static const LabelSet kLabels[4] = {
      Pairs("failure_type", "pgfault", "scope", "container"),
      Pairs("failure_type", "pgmajfault", "scope", "container"),
      Pairs("failure_type", "pgfault", "scope", "hierarchy"),
      Pairs("failure_type", "pgmajfault", "scope", "hierarchy"),
  };
  return kLabels[(major ? 1 : 0) + (hierarchy ? 2 : 0)];
}

void EmitNet(FamilyWriter& f, const LabelSet& l, const Stats& s, uint64_t NetDevice::*field) {
  for (const auto& d : s.net) f.Add(l, "interface", d.name, d.*field);
}

std::string DeviceLabel(const IoDevice& d) {
  if (d.major == 0 && d.minor == 0) return "";
  return std::to_string(d.major) + ":" + std::to_string(d.minor);
}

void EmitIo(FamilyWriter& f, const LabelSet& l, const Stats& s, uint64_t IoDevice::*field, bool ops) {
  if (!s.io_known || (ops && !s.io_ops_known)) return;
  for (const auto& d : s.io) {
    if (d.major == 0 && d.minor == 0) {
      f.Add(l, d.*field);  // the /proc/<pid>/io fallback has no device
    } else {
      f.Add(l, "device", DeviceLabel(d), d.*field);
    }
  }
}

void EmitPressure(FamilyWriter& f, const LabelSet& l, const std::optional<Pressure>& p, bool full) {
  if (!p) return;
  const auto& v = full ? p->full_total_us : p->some_total_us;
  if (v) f.Add(l, static_cast<double>(*v) / 1e6);
}

// cAdvisor's names, types, units and labels. container_memory_failcnt is a counter in
// cAdvisor; it is typed untyped here because promtool's linter rejects a counter without
// _total (PromQL treats both alike).
const std::vector<Row>& Table() {
  static const std::vector<Row> kTable = {
      {{"container_cpu_cfs_periods_total", MetricType::kCounter,
        "Number of elapsed enforcement period intervals (cpu.stat nr_periods)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.cfs_periods); }},
      {{"container_cpu_cfs_throttled_periods_total", MetricType::kCounter,
        "Number of throttled period intervals (cpu.stat nr_throttled)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.cfs_throttled_periods); }},
      {{"container_cpu_cfs_throttled_seconds_total", MetricType::kCounter,
        "Total time duration the container has been throttled (cpu.stat throttled_time/throttled_usec)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.cfs_throttled_ns) f.Add(l, Seconds(*s.cfs_throttled_ns));
       }},
      {{"container_cpu_system_seconds_total", MetricType::kCounter,
        "Cumulative system cpu time consumed in seconds (cpuacct.usage_sys or cpu.stat system_usec)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.cpu_system_ns) f.Add(l, Seconds(*s.cpu_system_ns));
       }},
      {{"container_cpu_usage_seconds_total", MetricType::kCounter,
        "Cumulative cpu time consumed in seconds (cpuacct.usage or cpu.stat usage_usec)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.cpu_usage_ns) f.Add(l, CpuTotal(), Seconds(*s.cpu_usage_ns));
       }},
      {{"container_cpu_user_seconds_total", MetricType::kCounter,
        "Cumulative user cpu time consumed in seconds (cpuacct.usage_user or cpu.stat user_usec)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.cpu_user_ns) f.Add(l, Seconds(*s.cpu_user_ns));
       }},
      {{"container_fs_reads_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes read (io.stat rbytes, blkio.throttle.io_service_bytes, or the "
        "sum of /proc/<pid>/io read_bytes over the cgroup's processes)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitIo(f, l, s, &IoDevice::read_bytes, false); }},
      {{"container_fs_reads_total", MetricType::kCounter,
        "Cumulative count of reads completed (io.stat rios or blkio.throttle.io_serviced)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitIo(f, l, s, &IoDevice::reads, true); }},
      {{"container_fs_writes_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes written (io.stat wbytes, blkio.throttle.io_service_bytes, or the "
        "sum of /proc/<pid>/io write_bytes over the cgroup's processes)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitIo(f, l, s, &IoDevice::write_bytes, false); }},
      {{"container_fs_writes_total", MetricType::kCounter,
        "Cumulative count of writes completed (io.stat wios or blkio.throttle.io_serviced)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitIo(f, l, s, &IoDevice::writes, true); }},
      {{"container_last_seen", MetricType::kGauge, "Last time a container was seen by the exporter (the scrape's wall-clock time)."},
       nullptr},  // written by the exporter: the scrape's time
      {{"container_memory_cache", MetricType::kGauge,
        "Number of bytes of page cache memory (memory.stat total_cache or file)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_cache); }},
      {{"container_memory_failcnt", MetricType::kUntyped,
        "Number of memory usage hits limits (memory.failcnt, or memory.events max)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_failcnt); }},
      {{"container_memory_failures_total", MetricType::kCounter,
        "Cumulative count of memory allocation failures (memory.stat pgfault, pgmajfault)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (s.pgfault) f.Add(l, Failure(false, false), *s.pgfault);
         if (s.pgmajfault) f.Add(l, Failure(true, false), *s.pgmajfault);
         if (s.hierarchy_pgfault) f.Add(l, Failure(false, true), *s.hierarchy_pgfault);
         if (s.hierarchy_pgmajfault) f.Add(l, Failure(true, true), *s.hierarchy_pgmajfault);
       }},
      {{"container_memory_mapped_file", MetricType::kGauge,
        "Size of memory mapped files in bytes (memory.stat total_mapped_file or file_mapped)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_mapped_file); }},
      {{"container_memory_max_usage_bytes", MetricType::kGauge,
        "Maximum memory usage recorded in bytes (memory.max_usage_in_bytes or memory.peak)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_max_usage); }},
      {{"container_memory_rss", MetricType::kGauge,
        "Size of RSS in bytes (memory.stat total_rss or anon)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_rss); }},
      {{"container_memory_swap", MetricType::kGauge,
        "Container swap usage in bytes (memory.memsw.usage_in_bytes minus usage, or memory.swap.current)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_swap); }},
      {{"container_memory_usage_bytes", MetricType::kGauge,
        "Current memory usage in bytes, including all memory regardless of when it was accessed "
        "(memory.usage_in_bytes or memory.current)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_usage); }},
      {{"container_memory_working_set_bytes", MetricType::kGauge,
        "Current working set in bytes: usage minus inactive file pages (memory.stat)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) {
         if (!s.memory_usage) return;
         const uint64_t inactive = s.memory_inactive_file.value_or(0);
         f.Add(l, *s.memory_usage > inactive ? *s.memory_usage - inactive : uint64_t{0});
       }},
      {{"container_network_receive_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes received (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::rx_bytes); }},
      {{"container_network_receive_errors_total", MetricType::kCounter,
        "Cumulative count of errors encountered while receiving (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::rx_errors); }},
      {{"container_network_receive_packets_dropped_total", MetricType::kCounter,
        "Cumulative count of packets dropped while receiving (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::rx_dropped); }},
      {{"container_network_receive_packets_total", MetricType::kCounter,
        "Cumulative count of packets received (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::rx_packets); }},
      {{"container_network_transmit_bytes_total", MetricType::kCounter,
        "Cumulative count of bytes transmitted (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::tx_bytes); }},
      {{"container_network_transmit_errors_total", MetricType::kCounter,
        "Cumulative count of errors encountered while transmitting (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::tx_errors); }},
      {{"container_network_transmit_packets_dropped_total", MetricType::kCounter,
        "Cumulative count of packets dropped while transmitting (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::tx_dropped); }},
      {{"container_network_transmit_packets_total", MetricType::kCounter,
        "Cumulative count of packets transmitted (/proc/<pid>/net/dev)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitNet(f, l, s, &NetDevice::tx_packets); }},
      {{"container_oom_events_total", MetricType::kCounter,
        "Count of out of memory events observed for the container (memory.oom_control or "
        "memory.events oom_kill)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.oom_kills); }},
      {{"container_pressure_cpu_stalled_seconds_total", MetricType::kCounter,
        "Total time duration no tasks in the container could make progress due to CPU congestion (cpu.pressure full)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitPressure(f, l, s.cpu_pressure, true); }},
      {{"container_pressure_cpu_waiting_seconds_total", MetricType::kCounter,
        "Total time duration tasks in the container have waited due to CPU congestion (cpu.pressure some)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitPressure(f, l, s.cpu_pressure, false); }},
      {{"container_pressure_io_stalled_seconds_total", MetricType::kCounter,
        "Total time duration no tasks in the container could make progress due to IO congestion (io.pressure full)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitPressure(f, l, s.io_pressure, true); }},
      {{"container_pressure_io_waiting_seconds_total", MetricType::kCounter,
        "Total time duration tasks in the container have waited due to IO congestion (io.pressure some)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitPressure(f, l, s.io_pressure, false); }},
      {{"container_pressure_memory_stalled_seconds_total", MetricType::kCounter,
        "Total time duration no tasks in the container could make progress due to memory congestion (memory.pressure full)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitPressure(f, l, s.memory_pressure, true); }},
      {{"container_pressure_memory_waiting_seconds_total", MetricType::kCounter,
        "Total time duration tasks in the container have waited due to memory congestion (memory.pressure some)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { EmitPressure(f, l, s.memory_pressure, false); }},
      {{"container_processes", MetricType::kGauge,
        "Number of processes running inside the container (cgroup.procs)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.processes); }},
      {{"container_spec_cpu_period", MetricType::kGauge,
        "CPU period of the container (cpu.cfs_period_us or cpu.max)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.cpu_period_us); }},
      {{"container_spec_cpu_quota", MetricType::kGauge,
        "CPU quota of the container, absent without a quota (cpu.cfs_quota_us or cpu.max)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.cpu_quota_us); }},
      {{"container_spec_cpu_shares", MetricType::kGauge,
        "CPU share of the container (cpu.shares, or cpu.weight converted to shares)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.cpu_shares); }},
      {{"container_spec_memory_limit_bytes", MetricType::kGauge,
        "Memory limit for the container, 0 when unlimited (memory.limit_in_bytes or memory.max)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_limit); }},
      {{"container_spec_memory_reservation_limit_bytes", MetricType::kGauge,
        "Memory reservation limit for the container, 0 when unlimited (memory.soft_limit_in_bytes or memory.low)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_reservation); }},
      {{"container_spec_memory_swap_limit_bytes", MetricType::kGauge,
        "Memory swap limit for the container, 0 when unlimited (memory.memsw.limit_in_bytes or memory.swap.max)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.memory_swap_limit); }},
      {{"container_start_time_seconds", MetricType::kGauge,
        "Start time of the container since unix epoch in seconds (Docker, else the cgroup's creation)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.start_time_seconds); }},
      {{"container_tasks_state", MetricType::kGauge,
        "Number of tasks in given state (not collected: always 0, kept for dashboards that count these series)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats&) {
         for (const char* state : {"iowait", "running", "sleeping", "stopped", "uninterruptible"}) {
           f.Add(l, "state", state, 0);
         }
       }},
      {{"container_threads", MetricType::kGauge,
        "Number of threads running inside the container (pids.current)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.threads); }},
      {{"container_threads_max", MetricType::kGauge,
        "Maximum number of threads allowed inside the container, infinity if value is zero (pids.max)."},
       [](FamilyWriter& f, const LabelSet& l, const Stats& s) { Maybe(f, l, s.threads_max); }},
  };
  return kTable;
}

// --- The exporter -------------------------------------------------------------------------

class CgroupExporter : public Exporter {
 public:
  explicit CgroupExporter(ExporterDeps& deps)
      : inventory_(deps.inventory),
        procfs_(deps.config.procfs),
        paths_{deps.config.rootfs, deps.config.sysfs},
        parents_(deps.config.GetList("collector.cgroup.parents")),
        label_keys_(deps.config.GetList("collector.cgroup.labels")),
        timestamps_(deps.config.GetBool("collector.cgroup.timestamps")) {}

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    auto mountinfo = ReadSmallFile(procfs_ + "/1/mountinfo");
    if (!mountinfo) mountinfo = ReadSmallFile(procfs_ + "/self/mountinfo");
    if (!mountinfo) {
      ctx.Error("mountinfo", "cannot read mountinfo", {{"path", procfs_ + "/1/mountinfo"}});
      return false;
    }
    size_t bad_lines = 0;
    const Layout layout = DiscoverLayout(ParseMountInfo(*mountinfo, &bad_lines), paths_);
    if (bad_lines > 0) {
      ctx.Error("mountinfo_malformed", "skipped malformed mountinfo lines",
                {{"lines", std::to_string(bad_lines)}});
    }
    if (layout.v1.empty() && layout.unified.empty()) {
      ctx.Error("no_cgroups", "no cgroup filesystem found in mountinfo");
      return false;
    }
    Reader reader(layout, procfs_, &ctx);
    std::vector<Target> targets = reader.Discover(parents_);
    std::vector<Stats> stats(targets.size());
    std::vector<bool> present(targets.size());
    const auto snapshot = inventory_.Snapshot();
    for (size_t i = 0; i < targets.size(); ++i) {
      if (ctx.Expired()) return false;
      present[i] = reader.Read(targets[i], stats[i]);
      if (present[i] && !targets[i].container_id.empty()) {
        if (const ContainerInfo* info = snapshot->Find(targets[i].container_id);
            info != nullptr && info->start_time_seconds > 0) {
          stats[i].start_time_seconds = info->start_time_seconds;
        }
      }
    }
    std::vector<LabelSet> labels(targets.size());
    for (size_t i = 0; i < targets.size(); ++i) {
      if (present[i]) labels[i] = Labels(targets[i], *snapshot);
    }
    const auto now = std::chrono::system_clock::now();
    const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
    if (timestamps_) {
      out.SetTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    }
    for (const Row& row : Table()) {
      FamilyWriter& family = out.Family(row.spec);
      for (size_t i = 0; i < targets.size(); ++i) {
        if (!present[i]) continue;
        if (row.emit == nullptr) {
          family.Add(labels[i], static_cast<int64_t>(now_seconds));
        } else {
          row.emit(family, labels[i], stats[i]);
        }
      }
    }
    out.SetTimestamp(0);
    return true;
  }

 private:
  LabelSet Labels(const Target& target, const ContainerSnapshot& snapshot) const {
    LabelSet l;
    l.Add("id", target.path);
    const ContainerInfo* info = target.container_id.empty() ? nullptr : snapshot.Find(target.container_id);
    if (info == nullptr) return l;
    if (!info->image.empty()) l.Add("image", info->image);
    if (!info->name.empty()) l.Add("name", info->name);
    for (const auto& key : label_keys_) {
      auto it = info->labels.find(key);
      if (it != info->labels.end()) l.Add("container_label_" + SanitizeLabelName(key), it->second);
    }
    return l;
  }

  ContainerInventory& inventory_;
  std::string procfs_;
  PathMapper paths_;
  std::vector<std::string> parents_;
  std::vector<std::string> label_keys_;
  bool timestamps_;
};

}  // namespace

std::string PathMapper::Map(const std::string& host_path) const {
  if (sysfs != "/sys" && (host_path == "/sys" || host_path.rfind("/sys/", 0) == 0)) {
    return Join(sysfs, host_path.substr(4));
  }
  if (rootfs != "/" && !rootfs.empty()) {
    return Join(rootfs, host_path);
  }
  return host_path;
}

Layout DiscoverLayout(const std::vector<Mount>& mounts, const PathMapper& paths) {
  Layout layout;
  static const char* kControllers[] = {"cpu", "cpuacct", "memory", "blkio", "pids"};
  for (const auto& m : mounts) {
    if (m.fs_type == "cgroup2") {
      if (layout.unified.empty()) layout.unified = paths.Map(m.mount_point);
      continue;
    }
    if (m.fs_type != "cgroup") continue;
    // Controllers are among the super options: "rw,cpu,cpuacct" (co-mounted) or "rw,memory".
    std::string_view options = m.super_options;
    while (!options.empty()) {
      const size_t comma = options.find(',');
      const std::string_view option = options.substr(0, comma);
      options.remove_prefix(comma == std::string_view::npos ? options.size() : comma + 1);
      for (const char* c : kControllers) {
        if (option == c && !layout.v1.count(c)) layout.v1[c] = paths.Map(m.mount_point);
      }
    }
  }
  return layout;
}

Reader::Reader(Layout layout, std::string procfs, ScrapeContext* ctx)
    : layout_(std::move(layout)), procfs_(std::move(procfs)), ctx_(ctx), base_(DiscoveryBase()) {
  char link[128];
  const ssize_t n = ::readlink((procfs_ + "/1/ns/net").c_str(), link, sizeof(link));
  if (n > 0) host_netns_.assign(link, static_cast<size_t>(n));
}

std::string Reader::DiscoveryBase() const {
  for (const char* c : {"memory", "cpuacct", "cpu", "pids"}) {
    auto it = layout_.v1.find(c);
    if (it != layout_.v1.end()) return it->second;
  }
  return layout_.unified;
}

std::vector<Target> Reader::Discover(const std::vector<std::string>& parents) const {
  const std::string base = DiscoveryBase();
  std::vector<Target> targets = {{"/", ""}};
  for (const auto& parent : parents) {
    DIR* dir = ::opendir(Join(base, parent).c_str());
    if (dir == nullptr) continue;
    std::vector<Target> found;
    while (const dirent* e = ::readdir(dir)) {
      const std::string_view id = ContainerIdFromCgroupName(e->d_name);
      if (!id.empty()) {
        std::string path = parent;
        if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
        if (path.back() != '/') path += '/';
        found.push_back({path + e->d_name, std::string(id)});
      }
    }
    ::closedir(dir);
    std::sort(found.begin(), found.end(), [](const Target& a, const Target& b) { return a.path < b.path; });
    targets.insert(targets.end(), found.begin(), found.end());
  }
  return targets;
}

// A cgroup removed between open and read fails the read (ENODEV): no data, and Read()
// notices the directory is gone.
std::optional<std::string> Reader::File(const std::string& dir, const char* name) {
  return ReadSmallFile(dir + "/" + name);
}

void Reader::Malformed(const std::string& file, std::string_view what) {
  ctx_->Error("malformed_file", "unexpected content in a cgroup file; its metrics are left out",
              {{"file", file}, {"problem", what}});
}

bool Reader::Read(const Target& target, Stats& s) {
  if (!layout_.v1.empty()) {
    ReadV1(target.path, s);
    // Hybrid: PSI lives in the cgroup2 tree, where a container may have no directory.
    if (layout_.hybrid()) ReadPressure(Join(layout_.unified, target.path), s);
  } else {
    ReadV2(Join(layout_.unified, target.path), s);
  }
  // A container that stopped while being read is left out whole, silently: its files may
  // have been half read.
  return ::access(Join(base_, target.path).c_str(), F_OK) == 0;
}

std::optional<uint64_t> Reader::U64(const std::string& dir, const char* name,
                                    std::optional<uint64_t> max_value) {
  auto text = File(dir, name);
  if (!text) return std::nullopt;
  auto v = ParseU64(*text, max_value);
  if (!v) Malformed(dir + "/" + name, "not a number");
  return v;
}

void Reader::ReadV1(const std::string& path, Stats& s) {
  auto dir = [&](const char* controller) -> std::optional<std::string> {
    auto it = layout_.v1.find(controller);
    if (it == layout_.v1.end()) return std::nullopt;
    return Join(it->second, path);
  };
  if (auto d = dir("cpuacct")) {
    s.cpu_usage_ns = U64(*d, "cpuacct.usage", std::nullopt);
    s.cpu_user_ns = U64(*d, "cpuacct.usage_user", std::nullopt);
    s.cpu_system_ns = U64(*d, "cpuacct.usage_sys", std::nullopt);
    if (!s.cpu_user_ns || !s.cpu_system_ns) {
      // Older kernels: only cpuacct.stat, in USER_HZ ticks.
      if (auto stat = File(*d, "cpuacct.stat")) {
        const double tick_ns = 1e9 / static_cast<double>(::sysconf(_SC_CLK_TCK));
        if (auto u = FlatKey(*stat, "user")) s.cpu_user_ns = static_cast<uint64_t>(static_cast<double>(*u) * tick_ns);
        if (auto y = FlatKey(*stat, "system")) s.cpu_system_ns = static_cast<uint64_t>(static_cast<double>(*y) * tick_ns);
      }
    }
  }
  if (auto d = dir("cpu")) {
    if (auto stat = File(*d, "cpu.stat")) {
      if (IsFlatKeyed(*stat)) {
        s.cfs_periods = FlatKey(*stat, "nr_periods");
        s.cfs_throttled_periods = FlatKey(*stat, "nr_throttled");
        s.cfs_throttled_ns = FlatKey(*stat, "throttled_time");
      } else {
        Malformed(*d + "/cpu.stat", "not a flat keyed file");
      }
    }
    s.cpu_period_us = U64(*d, "cpu.cfs_period_us", std::nullopt);
    if (auto text = File(*d, "cpu.cfs_quota_us")) {
      if (auto q = ParseI64(*text)) {
        if (*q > 0) s.cpu_quota_us = static_cast<uint64_t>(*q);
      } else {
        Malformed(*d + "/cpu.cfs_quota_us", "not a number");
      }
    }
    s.cpu_shares = U64(*d, "cpu.shares", std::nullopt);
  }
  if (auto d = dir("memory")) {
    s.memory_usage = U64(*d, "memory.usage_in_bytes", std::nullopt);
    s.memory_max_usage = U64(*d, "memory.max_usage_in_bytes", std::nullopt);
    s.memory_failcnt = U64(*d, "memory.failcnt", std::nullopt);
    s.memory_limit = Limit(U64(*d, "memory.limit_in_bytes", std::nullopt));
    s.memory_reservation = Limit(U64(*d, "memory.soft_limit_in_bytes", std::nullopt));
    s.memory_swap_limit = Limit(U64(*d, "memory.memsw.limit_in_bytes", std::nullopt));
    const auto memsw = U64(*d, "memory.memsw.usage_in_bytes", std::nullopt);
    if (auto stat = File(*d, "memory.stat")) {
      if (IsFlatKeyed(*stat)) {
        s.memory_rss = FlatKey(*stat, "total_rss");
        s.memory_cache = FlatKey(*stat, "total_cache");
        s.memory_mapped_file = FlatKey(*stat, "total_mapped_file");
        s.memory_inactive_file = FlatKey(*stat, "total_inactive_file");
        s.pgfault = FlatKey(*stat, "pgfault");
        s.pgmajfault = FlatKey(*stat, "pgmajfault");
        s.hierarchy_pgfault = FlatKey(*stat, "total_pgfault");
        s.hierarchy_pgmajfault = FlatKey(*stat, "total_pgmajfault");
        if (memsw && s.memory_usage) {
          s.memory_swap = *memsw > *s.memory_usage ? *memsw - *s.memory_usage : 0;
        } else {
          s.memory_swap = FlatKey(*stat, "total_swap");
        }
      } else {
        Malformed(*d + "/memory.stat", "not a flat keyed file");
      }
    }
    if (auto oom = File(*d, "memory.oom_control")) s.oom_kills = FlatKey(*oom, "oom_kill");
  }
  if (auto d = dir("pids")) {
    s.threads = U64(*d, "pids.current", std::nullopt);
    s.threads_max = U64(*d, "pids.max", uint64_t{0});
  }
  bool blkio_has_devices = false;
  if (auto d = dir("blkio")) {
    auto bytes = File(*d, "blkio.throttle.io_service_bytes");
    auto ops = File(*d, "blkio.throttle.io_serviced");
    if (bytes && ops) {
      std::vector<IoDevice> devices;
      if (MergeBlkio(*bytes, true, devices) && MergeBlkio(*ops, false, devices)) {
        blkio_has_devices = !devices.empty();
        if (blkio_has_devices) {
          s.io = std::move(devices);
          s.io_known = s.io_ops_known = true;
        }
      } else {
        Malformed(*d + "/blkio.throttle.io_service_bytes", "unexpected line");
      }
    }
  }
  std::optional<std::string> procs_dir = dir("memory");
  if (!procs_dir) procs_dir = dir("cpu");
  if (!procs_dir) procs_dir = dir("pids");
  if (procs_dir) ReadProcesses(*procs_dir, s, !blkio_has_devices);
  if (!s.start_time_seconds && procs_dir) {
    struct stat st {};
    if (::stat(procs_dir->c_str(), &st) == 0) s.start_time_seconds = static_cast<double>(st.st_ctime);
  }
}

void Reader::ReadV2(const std::string& d, Stats& s) {
  if (auto stat = File(d, "cpu.stat")) {
    if (IsFlatKeyed(*stat)) {
      auto us = [&](const char* key) -> std::optional<uint64_t> {
        auto v = FlatKey(*stat, key);
        if (v) *v *= kNsPerUs;
        return v;
      };
      s.cpu_usage_ns = us("usage_usec");
      s.cpu_user_ns = us("user_usec");
      s.cpu_system_ns = us("system_usec");
      s.cfs_periods = FlatKey(*stat, "nr_periods");
      s.cfs_throttled_periods = FlatKey(*stat, "nr_throttled");
      s.cfs_throttled_ns = us("throttled_usec");
    } else {
      Malformed(d + "/cpu.stat", "not a flat keyed file");
    }
  }
  if (auto text = File(d, "cpu.max")) {
    if (auto m = ParseCpuMax(*text)) {
      s.cpu_period_us = m->period_us;
      s.cpu_quota_us = m->quota_us;
    } else {
      Malformed(d + "/cpu.max", "expected '<quota|max> <period>'");
    }
  }
  if (auto w = U64(d, "cpu.weight", std::nullopt)) s.cpu_shares = CpuWeightToShares(*w);
  s.memory_usage = U64(d, "memory.current", std::nullopt);
  s.memory_max_usage = U64(d, "memory.peak", std::nullopt);
  s.memory_limit = Limit(U64(d, "memory.max", uint64_t{0}));
  s.memory_reservation = Limit(U64(d, "memory.low", uint64_t{0}));
  s.memory_swap_limit = Limit(U64(d, "memory.swap.max", uint64_t{0}));
  s.memory_swap = U64(d, "memory.swap.current", std::nullopt);
  if (auto stat = File(d, "memory.stat")) {
    if (IsFlatKeyed(*stat)) {
      s.memory_rss = FlatKey(*stat, "anon");
      s.memory_cache = FlatKey(*stat, "file");
      s.memory_mapped_file = FlatKey(*stat, "file_mapped");
      s.memory_inactive_file = FlatKey(*stat, "inactive_file");
      // v2's memory.stat is hierarchical: both scopes are the same numbers.
      s.pgfault = s.hierarchy_pgfault = FlatKey(*stat, "pgfault");
      s.pgmajfault = s.hierarchy_pgmajfault = FlatKey(*stat, "pgmajfault");
    } else {
      Malformed(d + "/memory.stat", "not a flat keyed file");
    }
  }
  if (auto events = File(d, "memory.events")) {
    s.memory_failcnt = FlatKey(*events, "max");
    s.oom_kills = FlatKey(*events, "oom_kill");
  }
  s.threads = U64(d, "pids.current", std::nullopt);
  s.threads_max = U64(d, "pids.max", uint64_t{0});
  if (auto io = File(d, "io.stat")) {
    if (auto devices = ParseIoStat(*io)) {
      s.io = std::move(*devices);
      s.io_known = s.io_ops_known = true;
    } else {
      Malformed(d + "/io.stat", "unexpected line");
    }
  }
  ReadPressure(d, s);
  ReadProcesses(d, s, !s.io_known);
  struct stat st {};
  if (::stat(d.c_str(), &st) == 0) s.start_time_seconds = static_cast<double>(st.st_ctime);
}

void Reader::ReadPressure(const std::string& d, Stats& s) {
  const std::pair<const char*, std::optional<Pressure>*> files[] = {
      {"cpu.pressure", &s.cpu_pressure}, {"memory.pressure", &s.memory_pressure}, {"io.pressure", &s.io_pressure}};
  for (const auto& [name, field] : files) {
    if (auto text = File(d, name)) {
      *field = ParsePressure(*text);
      if (!*field) Malformed(d + "/" + name, "expected 'some ... total=N' lines");
    }
  }
}

void Reader::ReadProcesses(const std::string& d, Stats& s, bool fallback_io) {
  auto text = File(d, "cgroup.procs");
  if (!text) return;
  // The root cgroup's processes are the whole host: count them, but its network is the
  // host's /proc/1/net/dev.
  const bool root = d == layout_.unified || std::any_of(layout_.v1.begin(), layout_.v1.end(),
                                                         [&](const auto& kv) { return kv.second == d; });
  auto pids = ParsePidList(*text);
  if (!pids) {
    Malformed(d + "/cgroup.procs", "expected one pid per line");
    return;
  }
  s.processes = pids->count;
  if (root) {
    ReadNetwork(1, s);
    return;
  }
  if (pids->count == 0) return;
  ReadNetwork(pids->first_pid, s);
  if (!fallback_io) return;
  // The kernel gives no block I/O numbers for this cgroup: sum /proc/<pid>/io.
  IoDevice sum;
  bool any = false;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    if (nl == std::string::npos) nl = text->size();
    const std::string pid = text->substr(pos, nl - pos);
    pos = nl + 1;
    if (pid.empty()) continue;
    if (auto io_text = ReadSmallFile(procfs_ + "/" + pid + "/io")) {
      if (auto io = ParseProcIo(*io_text)) {
        sum.read_bytes += io->read_bytes;
        sum.write_bytes += io->write_bytes;
        any = true;
      }
    }
  }
  if (any) {
    s.io = {sum};
    s.io_known = true;
    s.io_ops_known = false;
  }
}

void Reader::ReadNetwork(int64_t pid, Stats& s) {
  const std::string proc = procfs_ + "/" + std::to_string(pid);
  if (pid != 1) {
    // A container on the host's network namespace has no network of its own (as cAdvisor).
    char link[128];
    const ssize_t n = ::readlink((proc + "/ns/net").c_str(), link, sizeof(link));
    if (n <= 0 || std::string_view(link, static_cast<size_t>(n)) == host_netns_) return;
  }
  auto text = ReadSmallFile(proc + "/net/dev");
  if (!text) return;  // the process exited meanwhile
  auto devices = ParseNetDev(*text);
  if (!devices) {
    Malformed(proc + "/net/dev", "unexpected line");
    return;
  }
  for (auto& d : *devices) {
    // cAdvisor leaves out loopback and the host side of container links.
    if (d.name == "lo" || d.name.rfind("veth", 0) == 0 || d.name.rfind("docker", 0) == 0) continue;
    s.net.push_back(std::move(d));
  }
}

ExporterSpec CgroupExporterSpec() {
  return {
      {"cgroup",
       "per-container CPU, memory, IO, network, pids and pressure from cgroups (cAdvisor names)",
       true,
       {
           {"collector.cgroup.parents", FlagKind::kString, "/docker,/system.slice",
            "Comma-separated cgroup directories whose children are containers (64-hex names, or "
            "docker-<id>.scope for the systemd driver)."},
           {"collector.cgroup.labels", FlagKind::kString, kDefaultSwarmLabels,
            "Comma-separated Docker labels exported as container_label_<key> on container series."},
           {"collector.cgroup.timestamps", FlagKind::kBool, "false",
            "Give cgroup samples explicit timestamps (as cAdvisor does)."},
       }},
      [](ExporterDeps& deps) { return std::make_unique<CgroupExporter>(deps); }};
}

/// For tests: the families in table order.
std::vector<MetricSpec> CgroupMetricSpecs() {
  std::vector<MetricSpec> out;
  for (const auto& row : Table()) out.push_back(row.spec);
  return out;
}

}  // namespace swarmscope::cgroup
