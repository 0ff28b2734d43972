#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/exporter.h"
#include "exporters/cgroup/cgroup_parsers.h"

namespace swarmscope::cgroup {

/// Where cgroup hierarchies are, as seen from this process.
struct Layout {
  std::map<std::string, std::string> v1;  ///< controller → directory, e.g. "memory" → /sys/fs/cgroup/memory
  std::string unified;                    ///< the cgroup2 mount (v2 or hybrid), "" if none
  bool v2() const { return v1.empty() && !unified.empty(); }
  bool hybrid() const { return !v1.empty() && !unified.empty(); }
};

/// Maps a host path (a mount point from mountinfo) to where this process sees it, given
/// --path.rootfs and --path.sysfs (e.g. /sys/fs/cgroup → /host/sys/fs/cgroup).
struct PathMapper {
  std::string rootfs = "/";
  std::string sysfs = "/sys";
  std::string Map(const std::string& host_path) const;
};

/// Finds the cgroup hierarchies among `mounts`. Never assumes a layout: v1 controllers
/// separate or co-mounted, v2 unified, or hybrid (v1 plus cgroup2 for PSI).
Layout DiscoverLayout(const std::vector<Mount>& mounts, const PathMapper& paths);

/// Everything read for one cgroup in one scrape. Absent values are "no data".
struct Stats {
  std::optional<uint64_t> cpu_usage_ns, cpu_user_ns, cpu_system_ns;
  std::optional<uint64_t> cfs_periods, cfs_throttled_periods, cfs_throttled_ns;
  std::optional<uint64_t> cpu_period_us, cpu_quota_us, cpu_shares;
  std::optional<uint64_t> memory_usage, memory_max_usage, memory_failcnt;
  std::optional<uint64_t> memory_limit, memory_reservation, memory_swap_limit;
  std::optional<uint64_t> memory_rss, memory_cache, memory_swap, memory_mapped_file;
  std::optional<uint64_t> memory_inactive_file;
  std::optional<uint64_t> pgfault, pgmajfault, hierarchy_pgfault, hierarchy_pgmajfault;
  std::optional<uint64_t> oom_kills;
  std::optional<uint64_t> processes, threads, threads_max;
  std::optional<Pressure> cpu_pressure, memory_pressure, io_pressure;
  std::vector<IoDevice> io;  ///< per device; a device of 0:0 holds the /proc/<pid>/io fallback
  bool io_known = false;
  bool io_ops_known = false;
  std::vector<NetDevice> net;
  std::optional<double> start_time_seconds;
};

/// One cgroup to report: the cAdvisor `id` (cgroup path) and, for containers, the id.
struct Target {
  std::string path;          ///< "/" or e.g. "/docker/<id>"
  std::string container_id;  ///< "" for the root cgroup
};

/// Reads cgroups (and the /proc files the metrics need) under fixed roots. The I/O seam:
/// tests point it at fixture trees, the daemon at the host.
class Reader {
 public:
  Reader(Layout layout, std::string procfs, ScrapeContext* ctx);

  /// The root cgroup and every container cgroup under `parents` (e.g. /docker,
  /// /system.slice), in a stable order.
  std::vector<Target> Discover(const std::vector<std::string>& parents) const;

  /// Reads one cgroup. Returns false when it vanished meanwhile (skip it silently).
  bool Read(const Target& target, Stats& out);

 private:
  std::optional<std::string> File(const std::string& dir, const char* name);
  std::optional<uint64_t> U64(const std::string& dir, const char* name,
                              std::optional<uint64_t> max_value);
  void ReadV1(const std::string& path, Stats& s);
  void ReadV2(const std::string& dir, Stats& s);
  void ReadProcesses(const std::string& dir, Stats& s, bool fallback_io);
  void ReadPressure(const std::string& dir, Stats& s);
  void ReadNetwork(int64_t pid, Stats& s);
  void Malformed(const std::string& file, std::string_view what);

  Layout layout_;
  std::string procfs_;
  ScrapeContext* ctx_;
  std::string DiscoveryBase() const;

  std::string host_netns_;
  std::string base_;  ///< the hierarchy containers are discovered in
};

/// The exporter table row for the cgroup exporter.
ExporterSpec CgroupExporterSpec();

/// The cgroup exporter's families, in the order they are written (its metric table).
std::vector<MetricSpec> CgroupMetricSpecs();


}  // namespace swarmscope::cgroup
