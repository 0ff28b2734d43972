#include "exporters/ceph/commands.h"

#include <cerrno>

#include "exporters/ceph/cluster_parsers.h"

namespace swarmscope::ceph {

const std::vector<CommandSpec>& ClusterCommands() {
  // mon commands for the maps, mgr commands for what the mgr serves (shared/recipes/ceph.md).
  // `status` carries the health, the quorum and the maps' epochs, so that the maps
  // themselves (kilobytes per OSD) are read only when they changed.
  using enum When;
  static const std::vector<CommandSpec> kCommands = {
      {"status", Target::kMon, R"({"prefix":"status","format":"json"})"},
      {"df", Target::kMon, R"({"prefix":"df","detail":"detail","format":"json"})"},
      {"osd_perf", Target::kMgr, R"({"prefix":"osd perf","format":"json"})"},
      {"osd_pool_stats", Target::kMgr, R"({"prefix":"osd pool stats","format":"json"})"},
      {"pg_dump", Target::kMgr,
       R"({"prefix":"pg dump","dumpcontents":["pgs_brief","pools"],"format":"json"})"},
      {"osd_dump", Target::kMon, R"({"prefix":"osd dump","format":"json"})", kOnChange},
      {"mgr_dump", Target::kMon, R"({"prefix":"mgr dump","format":"json"})", kOnChange},
      {"fs_dump", Target::kMon, R"({"prefix":"fs dump","format":"json"})", kOnChange},
      {"mon_dump", Target::kMon, R"({"prefix":"mon dump","format":"json"})", kOnChange},
      {"osd_crush_dump", Target::kMon, R"({"prefix":"osd crush dump","format":"json"})", kSeldom},
      {"metadata_osd", Target::kMon, R"({"prefix":"osd metadata","format":"json"})", kSeldom},
      {"metadata_mon", Target::kMon, R"({"prefix":"mon metadata","format":"json"})", kSeldom},
      {"metadata_mds", Target::kMon, R"({"prefix":"mds metadata","format":"json"})", kSeldom},
      {"metadata_mgr", Target::kMon, R"({"prefix":"mgr metadata","format":"json"})", kSeldom},
      // The mgr module's own record of every check seen: absent where it never ran, and
      // refused to a user with only `mon 'allow r'`.
      {"health_history", Target::kMon,
       R"({"prefix":"config-key get","key":"mgr/prometheus/health_history"})", kSeldom, true},
  };
  return kCommands;
}

void ParseOutputs(const RawOutputs& raw, ClusterData& d, ErrorReporter& errors,
                  std::vector<std::string>* failed) {
  for (const auto& [spec, result] : raw.results) {
    const std::string name(spec->name);
    if (!result.ok()) {
      // An optional command that is merely absent or not permitted is no failure.
      if (spec->optional && (result.rc == -ENOENT || result.rc == -EACCES || result.rc == -EPERM)) {
        continue;
      }
      errors.Report("command", name + " failed: " + result.status,
                    {{"command", name}, {"rc", std::to_string(result.rc)}});
      if (failed != nullptr) {
        failed->push_back(name);
      }
      continue;
    }
    const std::string_view out = result.out;
    try {
      if (name == "status") {
        d.status = ParseStatus(out);
        d.health = d.status->health;
        d.objects = d.status->objects;
      } else if (name == "df") {
        d.df = ParseDf(out);
      } else if (name == "fs_dump") {
        d.fs = ParseFsDump(out);
      } else if (name == "mon_dump") {
        d.mons = ParseMonMap(out);
      } else if (name == "mgr_dump") {
        d.mgrs = ParseMgrDump(out);
      } else if (name == "osd_dump") {
        d.osds = ParseOsdDump(out);
      } else if (name == "osd_crush_dump") {
        d.crush = ParseCrushDump(out);
      } else if (name == "osd_perf") {
        d.osd_perf = ParseOsdPerf(out);
      } else if (name == "osd_pool_stats") {
        d.pool_recovery = ParsePoolStats(out);
      } else if (name == "pg_dump") {
        PgDump dump = ParsePgDump(out);
        d.pgs = std::move(dump.pgs);
        d.repaired = std::move(dump.repaired);

      } else if (name == "health_history") {
        d.history = ParseHealthHistory(out);
      } else if (name == "metadata_osd") {
        d.osd_info = ParseMetadata(out);
        d.have_osd_info = true;
      } else if (name == "metadata_mon") {
        d.mon_info = ParseMetadata(out);
      } else if (name == "metadata_mds") {
        d.mds_info = ParseMetadata(out);
      } else if (name == "metadata_mgr") {
        d.mgr_info = ParseMetadata(out);
      }
    } catch (const std::exception& e) {
      errors.Report("parse", name + ": " + e.what(),
                    {{"command", name}, {"bytes", std::to_string(out.size())}});
      if (failed != nullptr) {
        failed->push_back(name);
      }
    }
  }
}

CommandPool::CommandPool(size_t threads) {
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { Work(stop); });
  }
}

CommandPool::~CommandPool() {
  for (auto& t : threads_) {
    t.request_stop();
  }
  ready_.notify_all();
}

void CommandPool::Submit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void CommandPool::Work(std::stop_token stop) {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      if (!ready_.wait(lock, stop, [this] { return !jobs_.empty(); })) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace swarmscope::ceph
