#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "exporters/cgroup/cgroup_parsers.h"
#include "exporters/cgroup/proc_parsers.h"

namespace swarmscope::cgroup {

/// A cgroup's resource limits (the container_spec_* series and container_threads_max).
/// They change only on `docker update` or a hand-written cgroup file, so they are read when
/// a cgroup is first seen and again only when due (see CgroupReader::Read), not every scrape.
struct Limits {
  std::optional<uint64_t> cpu_period_us, cpu_quota_us, cpu_shares;
  std::optional<uint64_t> memory_limit, memory_reservation, memory_swap_limit;
  std::optional<uint64_t> threads_max;
  bool operator==(const Limits&) const = default;
};

/// The values of Stats that are not lists (cleared by assignment, in one go).
struct StatValues {
  std::optional<uint64_t> cpu_usage_ns, cpu_user_ns, cpu_system_ns;
  std::optional<uint64_t> cfs_periods, cfs_throttled_periods, cfs_throttled_ns;
  std::optional<uint64_t> memory_usage, memory_max_usage, memory_failcnt;
  std::optional<uint64_t> memory_rss, memory_cache, memory_swap, memory_mapped_file;
  std::optional<uint64_t> memory_inactive_file;
  std::optional<uint64_t> pgfault, pgmajfault, hierarchy_pgfault, hierarchy_pgmajfault;
  std::optional<uint64_t> oom_kills;
  std::optional<uint64_t> processes, threads;
  std::optional<Pressure> cpu_pressure, memory_pressure, io_pressure;
  std::optional<TaskStates> tasks;
  bool io_known = false;
  bool io_ops_known = false;
  std::optional<double> start_time_seconds;
};

/// Everything read for one cgroup in one scrape: what the reader fills and the metric
/// table writes. Absent values are "no data".
struct Stats : StatValues {
  std::vector<IoDevice> io;  ///< per device; a device of 0:0 holds the /proc/<pid>/io fallback
  std::vector<NetDevice> net;
  /// Kept across scrapes: Clear() leaves them, the reader replaces them when due.
  Limits limits;

  /// Forgets every value read each scrape, keeping the lists' memory (and the limits).
  void Clear() {
    static_cast<StatValues&>(*this) = StatValues();
    io.clear();
    net.clear();
  }
};

}  // namespace swarmscope::cgroup
