#include "exporters/ceph/cluster_refresh.h"

#include <cerrno>
#include <future>
#include <stdexcept>
#include <thread>

#include "collector/background.h"
#include "collector/node_role.h"
#include "exporters/ceph/cluster_metrics.h"
#include "exporters/ceph/cluster_parsers.h"

namespace swarmscope::ceph {
namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

ClusterRefresh::ClusterRefresh(ClusterFactory connect, RefreshOptions options, NodeRole& node,
                               ErrorReporter& errors, Logger& log)
    : connect_(std::move(connect)),
      options_(std::move(options)),
      node_(node),
      errors_(errors),
      log_(log) {}

RawOutputs ClusterRefresh::Send(Cluster& cluster, const std::vector<const CommandSpec*>& commands,
                                std::vector<std::pair<std::string, double>>& durations) {
  // Independent commands go out at once, from threads kept for it (the first from this one):
  // a round costs the slowest command, not the sum, and no thread is started per command.
  // Measured on the test cluster (2 cores, tests/bench/RESULTS.md): one command after
  // another takes 1.6x as long, one lane per target (mons, mgr) 1.1x. A round waits for
  // every answer (librados' timeouts bound each), so a dead monitor never piles threads up.
  struct Pending {
    const CommandSpec* spec = nullptr;
    CommandResult result;
    double seconds = 0;
    std::promise<void> done;
    std::future<void> finished = done.get_future();
  };
  std::vector<Pending> pending(commands.size());
  const auto run = [&cluster](Pending& p) {
    const auto start = Clock::now();
    try {
      p.result = cluster.Command(p.spec->target, std::string(p.spec->json));
      p.seconds = Seconds(Clock::now() - start);
      p.done.set_value();
    } catch (...) {
      p.done.set_exception(std::current_exception());
    }
  };
  for (size_t i = 0; i < commands.size(); ++i) {
    pending[i].spec = commands[i];
    if (i > 0) {
      pool_.Submit([&run, &p = pending[i]] { run(p); });
    }
  }
  if (!pending.empty()) {
    run(pending[0]);
  }
  // Every answer is waited for before any error is raised: the jobs borrow this frame.
  for (auto& p : pending) {
    p.finished.wait();
  }
  RawOutputs raw;
  for (auto& p : pending) {
    p.finished.get();
    durations.emplace_back(std::string(p.spec->name), p.seconds);
    raw.results.emplace_back(p.spec, std::move(p.result));
  }
  return raw;
}

bool ClusterRefresh::RefreshOnce(Cluster& cluster, std::stop_token stop) {
  const auto started = Clock::now();
  const auto wall = std::chrono::system_clock::now();
  std::vector<std::pair<std::string, double>> durations;
  std::vector<std::string> failed;
  const auto select = [](auto&& pred) {
    std::vector<const CommandSpec*> out;
    for (const CommandSpec& c : ClusterCommands()) {
      if (pred(c)) {
        out.push_back(&c);
      }
    }
    return out;
  };

  // Round one: what changes all the time.
  ClusterData data;
  ParseOutputs(
      Send(cluster, select([](const CommandSpec& c) { return c.when == When::kEvery; }), durations),
      data, errors_, &failed);
  if (stop.stop_requested()) {
    return false;
  }
  const bool reached = data.status.has_value();

  // Round two, only when needed: the maps whose epoch moved, and the metadata now and then.
  if (reached) {
    const Status st = *data.status;
    const bool seldom = !have_osd_info_ || started - seldom_time_ >= options_.metadata_interval;
    const auto needed = [&](const CommandSpec& c) {
      if (c.when == When::kSeldom) {
        return seldom;
      }
      if (c.name == "osd_dump") {
        return !osd_map_ || osd_map_->epoch != st.osdmap_epoch;
      }
      if (c.name == "fs_dump") {
        return !fs_map_ || fs_map_->epoch != st.fsmap_epoch;
      }
      if (c.name == "mon_dump") {
        return !mon_map_ || mon_map_->epoch != st.monmap_epoch;
      }
      if (c.name == "mgr_dump") {
        // The mgr map has no epoch in `status`; its summary there changes with a failover
        // (standbys, availability) or a module switched on or off, and it is re-read with
        // the metadata too.
        return !mgr_map_ || seldom || mgr_summary_ != st.mgrmap_summary;
      }
      return false;
    };
    const auto round2 = select(needed);
    if (!round2.empty()) {
      ClusterData more;
      const size_t failed_before = failed.size();
      ParseOutputs(Send(cluster, round2, durations), more, errors_, &failed);
      const auto did_fail = [&](std::string_view name) {
        return std::find(failed.begin() + static_cast<std::ptrdiff_t>(failed_before), failed.end(),
                         name) != failed.end();
      };
      for (const CommandSpec* c : round2) {
        // A map that could not be read again is not current any more: drop it.
        if (c->name == "osd_dump") {
          osd_map_ = std::move(more.osds);
        } else if (c->name == "fs_dump") {
          fs_map_ = std::move(more.fs);
        } else if (c->name == "mon_dump") {
          mon_map_ = std::move(more.mons);
        } else if (c->name == "mgr_dump") {
          mgr_map_ = std::move(more.mgrs);
          mgr_summary_ = st.mgrmap_summary;
        }
      }
      if (seldom) {
        // Metadata: keep the last good copy of each.
        if (!did_fail("osd_crush_dump") && more.crush) {
          crush_ = std::move(more.crush);
        }
        if (more.have_osd_info) {
          osd_info_ = std::move(more.osd_info);
          have_osd_info_ = true;
        }
        if (!did_fail("metadata_mon")) {
          mon_info_ = std::move(more.mon_info);
        }
        if (!did_fail("metadata_mds")) {
          mds_info_ = std::move(more.mds_info);
        }
        if (!did_fail("metadata_mgr")) {
          mgr_info_ = std::move(more.mgr_info);
        }
        module_history_ = std::move(more.history);
        if (failed.size() == failed_before) {
          seldom_time_ = started;
        }
      }
    }
  }

  // What this rendering is made of.
  data.osds = osd_map_;
  data.fs = fs_map_;
  data.mons = mon_map_;
  data.mgrs = mgr_map_;
  if (data.mons && data.status) {
    for (auto& m : data.mons->mons) {
      m.in_quorum = data.status->quorum.contains(std::stoll(m.rank));
    }
  }
  data.crush = crush_;
  data.osd_info = osd_info_;
  data.have_osd_info = have_osd_info_;
  data.mon_info = mon_info_;
  data.mds_info = mds_info_;
  data.mgr_info = mgr_info_;
  // A daemon the metadata lacks (a new OSD, a new mon): read the metadata next time.
  bool missing = false;
  if (data.osds) {
    for (const auto& o : data.osds->osds) {
      missing = missing || !osd_info_.contains(std::to_string(o.id));
    }
  }
  if (data.mons) {
    for (const auto& m : data.mons->mons) {
      missing = missing || !mon_info_.contains(m.name);
    }
  }
  if (missing) {
    seldom_time_ = {};
  }
  if (data.health) {
    for (const auto& [name, severity] : data.health->checks) {
      seen_[name] = severity;
    }
  }
  data.history = module_history_;
  for (const auto& [name, severity] : seen_) {
    data.history.try_emplace(name, severity);
  }

  std::shared_ptr<const std::string> text;
  if (reached) {
    writer_.Reset();
    WriteCluster(data, options_.base, writer_);
    text = std::make_shared<const std::string>(writer_.TakeBuffer());
  }
  const double seconds = Seconds(Clock::now() - started);  // rendering included

  std::lock_guard lock(mu_);
  snapshot_.connected = true;
  snapshot_.pending = snapshot_.pending && !reached;
  snapshot_.ok = reached && failed.empty();
  snapshot_.duration_seconds = seconds;
  snapshot_.commands.clear();
  for (const auto& [name, seconds_taken] : durations) {
    const bool ok = std::find(failed.begin(), failed.end(), name) == failed.end();
    snapshot_.commands.emplace_back(name, ok);
  }
  snapshot_.durations = std::move(durations);
  if (!reached) {
    snapshot_.problem = "the monitors did not answer";
  } else if (!failed.empty()) {
    std::string names;
    for (const auto& f : failed) {
      names += (names.empty() ? "" : ", ") + f;
    }
    snapshot_.problem = "commands failed: " + names;
  } else {
    snapshot_.problem.clear();
  }
  if (reached) {
    snapshot_.text = std::move(text);
    snapshot_.data_time = wall;
  }
  return reached;
}

void ClusterRefresh::Run(std::stop_token stop) {
  Backoff backoff(std::chrono::seconds(1), std::chrono::minutes(1));
  std::unique_ptr<Cluster> cluster;
  int unreachable = 0;
  Clock::time_point inactive_since{};
  while (!stop.stop_requested()) {
    if (!node_.EmitsClusterSeries()) {
      // Another node writes the cluster series: send nothing; let go of the connection a
      // minute after the role moved away (the mons keep no session for a silent node).
      const auto now = Clock::now();
      if (inactive_since == Clock::time_point{}) {
        inactive_since = now;
      }
      if (cluster && now - inactive_since > std::chrono::minutes(1)) {
        cluster.reset();
        log_.Info("ceph: this node no longer writes the cluster series; disconnected");
      }
      {
        std::lock_guard lock(mu_);
        snapshot_.active = false;
        snapshot_.connected = cluster != nullptr;
      }
      SleepFor(stop, std::min<Clock::duration>(options_.interval, std::chrono::seconds(2)));
      continue;
    }
    inactive_since = {};
    {
      std::lock_guard lock(mu_);
      snapshot_.active = true;
    }
    if (!cluster) {
      try {
        cluster = connect_();
        backoff.Reset();
        log_.Info("ceph: connected to the cluster");
      } catch (const std::exception& e) {
        errors_.Report("connect", e.what());
        {
          std::lock_guard lock(mu_);
          snapshot_.connected = false;
          snapshot_.ok = false;
          snapshot_.problem = e.what();
        }
        SleepFor(stop, backoff.Next());
        continue;
      }
    }
    const auto started = Clock::now();
    if (RefreshOnce(*cluster, stop)) {
      unreachable = 0;
    } else if (++unreachable >= 3 && !stop.stop_requested()) {
      // librados hunts for another monitor by itself; after three silent refreshes start
      // over with a new connection (and the backoff) in case the session is wedged.
      log_.Warn("ceph: the monitors did not answer three refreshes in a row; reconnecting");
      cluster.reset();
      unreachable = 0;
      {
        std::lock_guard lock(mu_);
        snapshot_.connected = false;
      }
      SleepFor(stop, backoff.Next());
      continue;
    }
    const auto elapsed = Clock::now() - started;
    SleepFor(stop, elapsed < options_.interval ? options_.interval - elapsed : Clock::duration(0));
  }
}

ClusterSnapshot ClusterRefresh::Snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

}  // namespace swarmscope::ceph
