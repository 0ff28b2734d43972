#include "exporters/ceph/cluster_specs.h"

#include <deque>
#include <string>
#include <unordered_map>

#include "exporters/ceph/cluster_model.h"

namespace swarmscope::ceph {
namespace {

constexpr MetricType U = MetricType::kUntyped;
constexpr MetricType G = MetricType::kGauge;
constexpr MetricType C = MetricType::kCounter;

// The table, built once: the generated names and helps live as long as the process.
struct Table {
  std::deque<std::string> text;  // owns generated names and helps
  std::vector<MetricSpec> specs;
  std::unordered_map<std::string_view, size_t> index;

  std::string_view Keep(std::string s) { return text.emplace_back(std::move(s)); }
  // `from`: the commands the family comes from, appended to the module's help text.
  void Add(std::string_view name, MetricType type, const std::string& help, std::string_view labels,
           std::string_view from) {
    index.emplace(name, specs.size());
    specs.push_back(
        {name, type, Keep(std::string(help) + " (from " + std::string(from) + ")"), labels});
  }
  const MetricSpec& operator[](std::string_view name) const { return specs.at(index.at(name)); }
};

const Table& Specs() {
  static const Table table = [] {
    Table t;
    t.Add("ceph_health_status", U,
          "Cluster health status (0=HEALTH_OK, 1=HEALTH_WARN, 2=HEALTH_ERR)", "", "`status`");
    t.Add("ceph_health_detail", G, "healthcheck status by type (0=inactive, 1=active)",
          "name, severity", "`status`; checks seen since start at 0");
    t.Add("ceph_healthcheck_slow_ops", G, "OSD or Monitor requests taking a long time to process",
          "", "`status`");
    t.Add("ceph_mon_quorum_status", G, "Monitors in quorum", "ceph_daemon", "`mon dump`, `status`");
    t.Add("ceph_mon_metadata", U, "MON Metadata",
          "ceph_daemon, hostname, public_addr, rank, ceph_version", "`mon dump`, `mon metadata`");
    t.Add("ceph_mgr_metadata", G, "MGR metadata", "ceph_daemon, hostname, ceph_version",
          "`mgr dump`, `mgr metadata`");
    t.Add("ceph_mgr_status", G, "MGR status (0=standby, 1=active)", "ceph_daemon", "`mgr dump`");
    t.Add("ceph_mgr_module_status", G, "MGR module status (0=disabled, 1=enabled, 2=auto-enabled)",
          "name", "`mgr dump`");
    t.Add("ceph_mgr_module_can_run", G, "MGR module runnable state i.e. can it run (0=no, 1=yes)",
          "name", "`mgr dump`");
    t.Add("ceph_fs_metadata", U, "FS Metadata", "data_pools, fs_id, metadata_pool, name",
          "`fs dump`");
    t.Add("ceph_mds_metadata", U, "MDS Metadata",
          "ceph_daemon, fs_id, hostname, public_addr, rank, ceph_version",
          "`fs dump`, `mds metadata`");
    for (std::string_view flag : kOsdFlags) {
      std::string name = "ceph_osd_flag_" + std::string(flag);
      for (char& c : name) {
        c = c == '-' ? '_' : c;
      }
      t.Add(t.Keep(name), U, "OSD Flag " + std::string(flag), "", "`osd dump`");
    }
    t.Add(
        "ceph_osd_metadata", U, "OSD Metadata",
        "back_iface, ceph_daemon, cluster_addr, device_class, front_iface, hostname, objectstore, "
        "public_addr, ceph_version",
        "`osd dump`, `osd crush dump`, `osd metadata`");
    for (std::string_view s : {"weight", "up", "in"}) {
      t.Add(t.Keep("ceph_osd_" + std::string(s)), U, "OSD status " + std::string(s), "ceph_daemon",
            "`osd dump`");
    }
    for (std::string_view s : {"apply_latency_ms", "commit_latency_ms"}) {
      t.Add(t.Keep("ceph_osd_" + std::string(s)), G, "OSD stat " + std::string(s), "ceph_daemon",
            "mgr `osd perf`");
    }
    t.Add("ceph_disk_occupation", U, "Associate Ceph daemon with disk used",
          "ceph_daemon, device, db_device, wal_device, instance, devices, device_ids",
          "`osd metadata`");
    t.Add("ceph_disk_occupation_human", U,
          "Associate Ceph daemon with disk used for displaying to humans, not for joining tables "
          "(vector matching)",
          "ceph_daemon, device, instance", "`osd metadata`");
    t.Add("ceph_pool_metadata", U, "POOL Metadata",
          "pool_id, name, type, description, compression_mode", "`osd dump`");
    t.Add("ceph_cluster_total_bytes", G, "DF total_bytes", "", "`df detail`");
    t.Add("ceph_cluster_total_used_bytes", G, "DF total_used_bytes", "", "`df detail`");
    t.Add("ceph_cluster_total_used_raw_bytes", G, "DF total_used_raw_bytes", "", "`df detail`");
    for (std::string_view s : kPoolDfStats) {
      const bool counter = s == "rd" || s == "rd_bytes" || s == "wr" || s == "wr_bytes";
      t.Add(t.Keep("ceph_pool_" + std::string(s)), counter ? C : G, "DF pool " + std::string(s),
            "pool_id", "`df detail`");
    }
    for (std::string_view s : kPoolRecoveryStats) {
      t.Add(t.Keep("ceph_pool_" + std::string(s)), G, "OSD pool stats: " + std::string(s),
            "pool_id", "mgr `osd pool stats`");
    }
    t.Add("ceph_pool_objects_repaired", C, "Number of objects repaired in a pool",
          "pool_id, poolid", "mgr `pg dump pgs_brief pools`");
    t.Add("ceph_pg_total", G, "PG Total Count per Pool", "pool_id",
          "mgr `pg dump pgs_brief pools`");
    for (std::string_view s : kPgStates) {
      const std::string state(s);
      t.Add(t.Keep("ceph_pg_" + state), G, "PG " + state + " per pool", "pool_id",
            "mgr `pg dump pgs_brief pools`");
    }
    for (std::string_view s : {"degraded", "misplaced", "unfound"}) {
      t.Add(t.Keep("ceph_num_objects_" + std::string(s)), G,
            "Number of " + std::string(s) + " objects", "", "`status`");
    }
    return t;
  }();
  return table;
}

}  // namespace

const MetricSpec& ClusterSpec(std::string_view name) { return Specs()[name]; }

const std::vector<MetricSpec>& ClusterMetricSpecs() { return Specs().specs; }

}  // namespace swarmscope::ceph
