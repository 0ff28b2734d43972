#pragma once

// What the cluster-wide families are made of: one struct per command output, filled by the
// parsers (cluster_parsers.cc) from the JSON that the mons and the mgr answer, and written
// by cluster_metrics.cc with the names of the ceph-mgr prometheus module.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope::ceph {

/// `health detail`: the overall status (0 ok, 1 warn, 2 err) and the active checks.
struct Health {
  int status = 0;
  std::map<std::string, std::string> checks;  ///< name -> severity ("HEALTH_WARN")
  std::optional<double> slow_ops;             ///< SLOW_OPS' count from its message, when active
};

/// The df pool stats the mgr module exports, in its order (ceph_pool_<name>).
inline constexpr std::array<std::string_view, 16> kPoolDfStats = {"max_avail",
                                                                  "avail_raw",
                                                                  "stored",
                                                                  "stored_raw",
                                                                  "objects",
                                                                  "dirty",
                                                                  "quota_bytes",
                                                                  "quota_objects",
                                                                  "rd",
                                                                  "rd_bytes",
                                                                  "wr",
                                                                  "wr_bytes",
                                                                  "compress_bytes_used",
                                                                  "compress_under_bytes",
                                                                  "bytes_used",
                                                                  "percent_used"};

/// `df detail`.
struct Df {
  double total_bytes = 0;
  double total_used_bytes = 0;
  double total_used_raw_bytes = 0;
  struct Pool {
    int64_t id = 0;
    std::array<double, kPoolDfStats.size()> stats{};
    std::array<bool, kPoolDfStats.size()> present{};
  };
  std::vector<Pool> pools;
};

/// `osd pool stats` recovery rates, in the module's order (ceph_pool_<name>).
inline constexpr std::array<std::string_view, 5> kPoolRecoveryStats = {
    "recovering_objects_per_sec", "recovering_bytes_per_sec", "recovering_keys_per_sec",
    "num_objects_recovered", "num_bytes_recovered"};

struct PoolRecovery {
  int64_t id = 0;
  std::array<double, kPoolRecoveryStats.size()> rates{};
};

/// Host name and version of one daemon, from `<type> metadata`.
struct DaemonInfo {
  std::string hostname;
  std::string ceph_version;
  std::string ceph_release;  ///< "pacific" (mgr metadata; selects always-on modules)
  // OSDs only.
  std::string objectstore;
  std::string front_iface;
  std::string back_iface;
  std::string dev_node;      ///< bluestore_bdev_dev_node / backend_filestore_dev_node
  std::string db_dev_node;   ///< bluefs_db_dev_node
  std::string wal_dev_node;  ///< bluefs_wal_dev_node / osd_journal
  std::string devices;
  std::string device_ids;
};
/// Keyed by the daemon's id within its type ("0" for osd.0, "a" for mon.a).
using DaemonInfos = std::map<std::string, DaemonInfo, std::less<>>;

/// `fs dump`.
struct FsMap {
  struct Mds {
    std::string name;
    std::string fs_id;  ///< "-1" for a standby
    std::string addr;
    std::string rank;
  };
  struct Fs {
    std::string id;
    std::string name;
    std::string metadata_pool;
    std::string data_pools;  ///< "1,2"
  };
  std::vector<Fs> filesystems;
  std::vector<Mds> mds;
  int64_t epoch = -1;
};

/// `mon dump` (or `quorum_status`), with the quorum of `status`.
struct MonMap {
  struct Mon {
    std::string name;
    std::string rank;
    std::string public_addr;  ///< host part
    bool in_quorum = false;
  };
  std::vector<Mon> mons;
  int64_t epoch = -1;
};

/// `mgr dump`.
struct MgrMap {
  std::string active;
  std::vector<std::string> standbys;
  struct Module {
    std::string name;
    bool can_run = false;
  };
  std::vector<Module> available;
  std::set<std::string, std::less<>> enabled;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> always_on;  ///< by release
  int64_t epoch = -1;
};

/// `osd dump` (+ the CRUSH device classes of `osd crush dump`).
struct OsdMap {
  std::set<std::string, std::less<>> flags;
  struct Osd {
    int64_t id = 0;
    double up = 0;
    double in = 0;
    double weight = 0;
    std::string public_addr;   ///< host part, "-" when unknown
    std::string cluster_addr;  ///< host part, "-" when unknown
  };
  std::vector<Osd> osds;
  struct Pool {
    int64_t id = 0;
    std::string name;
    std::string type;         ///< replicated / erasure / unknown
    std::string description;  ///< replica:3 / ec:4+2 / unknown
    std::string compression_mode;
  };
  std::vector<Pool> pools;
  int64_t epoch = -1;
};

/// `osd crush dump` devices: id -> class ("" when none).
using CrushClasses = std::map<int64_t, std::string>;

/// `osd perf`: id -> (apply, commit) latency in ms.
struct OsdPerf {
  int64_t id = 0;
  double apply_latency_ms = 0;
  double commit_latency_ms = 0;
};

/// `pg dump pgs_brief`: PGs per pool and state. The state names of a PG ("active+clean")
/// are split and counted one by one, as the module does; "total" counts the PGs.
struct PgStates {
  std::map<int64_t, std::map<std::string, int64_t, std::less<>>> by_pool;
};

/// `pg dump pools`: pool id -> num_objects_repaired.
using PoolRepaired = std::map<int64_t, double>;

/// `status` pgmap: degraded / misplaced / unfound objects.
struct NumObjects {
  double degraded = 0;
  double misplaced = 0;
  double unfound = 0;
};

/// `status`: the health, the object counts, the quorum, and the epochs of the maps, which
/// say whether the maps read before are still current.
struct Status {
  Health health;
  NumObjects objects;
  std::set<int64_t> quorum;  ///< ranks
  int64_t osdmap_epoch = -1;
  int64_t fsmap_epoch = -1;
  int64_t monmap_epoch = -1;
  std::string mgrmap_summary;  ///< status' "mgrmap" as JSON: changes with the mgr map
};

/// The health check history the module keeps in the mon store
/// (`mgr/prometheus/health_history`): name -> severity of every check seen.
using HealthHistory = std::map<std::string, std::string, std::less<>>;

/// Everything one refresh read. A part whose command failed stays unset: its families are
/// left out of that rendering.
struct ClusterData {
  std::optional<Status> status;
  std::optional<Health> health;
  std::optional<Df> df;
  std::optional<std::vector<PoolRecovery>> pool_recovery;
  std::optional<FsMap> fs;
  std::optional<MonMap> mons;
  std::optional<MgrMap> mgrs;
  std::optional<OsdMap> osds;
  std::optional<CrushClasses> crush;
  std::optional<std::vector<OsdPerf>> osd_perf;
  std::optional<PgStates> pgs;
  std::optional<PoolRepaired> repaired;
  std::optional<NumObjects> objects;
  DaemonInfos osd_info, mon_info, mds_info, mgr_info;
  bool have_osd_info = false;
  HealthHistory history;  ///< every check seen (value 0 when no longer active)
};

}  // namespace swarmscope::ceph
