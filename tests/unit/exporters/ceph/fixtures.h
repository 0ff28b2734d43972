#pragma once

// The captured outputs of a real Pacific cluster (tests/fixtures/ceph/pacific, made by
// tests/ceph/capture_fixtures.sh), and a Cluster that answers with them.

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

#include "exporters/ceph/cluster_refresh.h"

namespace swarmscope::ceph::testing {

inline std::string FixturePath(const std::string& name) {
  return std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/ceph/pacific/" + name;
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + FixturePath(name));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The fixture file each refresh command's output was captured in.
inline const std::map<std::string, std::string>& FixtureOf() {
  static const std::map<std::string, std::string> kFiles = {
      {"status", "status.json"},
      {"df", "df_detail.json"},
      {"fs_dump", "fs_dump.json"},
      {"mon_dump", "mon_dump.json"},
      {"mgr_dump", "mgr_dump.json"},
      {"osd_dump", "osd_dump.json"},
      {"osd_crush_dump", "osd_crush_dump.json"},
      {"osd_perf", "osd_perf.json"},
      {"osd_pool_stats", "osd_pool_stats.json"},
      {"pg_dump", "pg_dump_pgs_brief_pools.json"},
      {"metadata_osd", "osd_metadata.json"},
      {"metadata_mon", "mon_metadata.json"},
      {"metadata_mds", "mds_metadata.json"},
      {"metadata_mgr", "mgr_metadata.json"},
  };
  return kFiles;
}

/// Answers each command with its fixture, or with what a test sets.
class FixtureCluster : public Cluster {
 public:
  CommandResult Command(Target, const std::string& json) override {
    std::lock_guard lock(mu_);
    ++calls_;
    for (const CommandSpec& c : ClusterCommands()) {
      if (c.json != json) {
        continue;
      }
      const std::string name(c.name);
      if (const auto it = overrides_.find(name); it != overrides_.end()) {
        return it->second;
      }
      if (const auto it = FixtureOf().find(name); it != FixtureOf().end()) {
        return {0, ReadFixture(it->second), ""};
      }
      return {-2, "", "no such key"};  // -ENOENT: e.g. the module's health history
    }
    return {-22, "", "unknown command"};
  }
  void Set(const std::string& name, CommandResult r) {
    std::lock_guard lock(mu_);
    overrides_[name] = std::move(r);
  }
  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, CommandResult> overrides_;
  int calls_ = 0;
};

}  // namespace swarmscope::ceph::testing
