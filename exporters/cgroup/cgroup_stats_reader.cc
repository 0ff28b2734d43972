// The parts of CgroupReader that read a cgroup's own files into its Stats: the v1
// controllers, the v2 unified files and PSI.

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "exporters/cgroup/cgroup_reader.h"

namespace swarmscope::cgroup {
namespace {

constexpr uint64_t kNsPerUs = 1000;
// v1 reports "no limit" as a huge page-aligned number (9223372036854771712 here); anything
// this large is no limit. cAdvisor shows no limit as 0, and so do we.
constexpr uint64_t kUnlimitedFloor = uint64_t{1} << 62;

std::optional<uint64_t> Limit(std::optional<uint64_t> v) {
  if (v && *v >= kUnlimitedFloor) {
    return uint64_t{0};
  }
  return v;
}

std::optional<uint64_t> Micros(std::optional<uint64_t> us) {
  if (us) {
    *us *= kNsPerUs;
  }
  return us;
}

constexpr std::string_view kV1CpuKeys[] = {"nr_periods", "nr_throttled", "throttled_time"};
constexpr std::string_view kV1MemoryKeys[] = {
    "total_rss",  "total_cache",   "total_mapped_file", "total_inactive_file", "pgfault",
    "pgmajfault", "total_pgfault", "total_pgmajfault",  "total_swap"};
constexpr std::string_view kV2CpuKeys[] = {"usage_usec", "user_usec",    "system_usec",
                                           "nr_periods", "nr_throttled", "throttled_usec"};
constexpr std::string_view kV2MemoryKeys[] = {"anon",          "file",    "file_mapped",
                                              "inactive_file", "pgfault", "pgmajfault"};

}  // namespace

void CgroupReader::ReadV1(CgroupState& c) {
  Stats& s = c.stats;
  if (Has(c, Hierarchy::kCpuacct)) {
    constexpr Hierarchy h = Hierarchy::kCpuacct;
    s.cpu_usage_ns = U64(c, h, kCpuacctUsage);
    s.cpu_user_ns = U64(c, h, kCpuacctUsageUser);
    s.cpu_system_ns = U64(c, h, kCpuacctUsageSys);
    if (!s.cpu_user_ns || !s.cpu_system_ns) {
      // Older kernels: only cpuacct.stat, in USER_HZ ticks.
      if (auto stat = Text(c, h, kCpuacctStat)) {
        auto ticks = [&](std::optional<uint64_t> t) -> std::optional<uint64_t> {
          if (!t) {
            return std::nullopt;
          }
          return static_cast<uint64_t>(static_cast<double>(*t) * tick_ns_);
        };
        if (auto u = ticks(FlatKey(*stat, "user"))) {
          s.cpu_user_ns = u;
        }
        if (auto y = ticks(FlatKey(*stat, "system"))) {
          s.cpu_system_ns = y;
        }
      }
    }
  }
  ReadV1Cpu(c);
  ReadV1Memory(c);
  if (Has(c, Hierarchy::kPids)) {
    s.threads = U64(c, Hierarchy::kPids, kPidsCurrent);
  }
  if (reading_limits_) {
    ReadV1Limits(c);
  }
  const bool blkio_has_devices = ReadV1Blkio(c);
  ReadProcesses(c, !blkio_has_devices);
}

void CgroupReader::ReadV1Cpu(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kCpu;
  if (!Has(c, h)) {
    return;
  }
  Stats& s = c.stats;
  std::optional<uint64_t> v[std::size(kV1CpuKeys)];
  if (Keyed(c, h, kCpuStat, kV1CpuKeys, v)) {
    s.cfs_periods = v[0];
    s.cfs_throttled_periods = v[1];
    s.cfs_throttled_ns = v[2];
  }
}

void CgroupReader::ReadV1Limits(CgroupState& c) {
  Limits& l = c.stats.limits;
  if (Has(c, Hierarchy::kCpu)) {
    constexpr Hierarchy h = Hierarchy::kCpu;
    l.cpu_period_us = U64(c, h, kCfsPeriod);
    if (auto text = Text(c, h, kCfsQuota)) {
      if (auto q = ParseI64(*text)) {
        if (*q > 0) {
          l.cpu_quota_us = static_cast<uint64_t>(*q);
        }
      } else {
        Malformed(c, h, kCfsQuota, "not a number");
      }
    }
    l.cpu_shares = U64(c, h, kCpuShares);
  }
  if (Has(c, Hierarchy::kMemory)) {
    constexpr Hierarchy h = Hierarchy::kMemory;
    l.memory_limit = Limit(U64(c, h, kMemLimit));
    l.memory_reservation = Limit(U64(c, h, kMemSoftLimit));
    l.memory_swap_limit = Limit(U64(c, h, kMemswLimit));
  }
  if (Has(c, Hierarchy::kPids)) {
    l.threads_max = U64(c, Hierarchy::kPids, kPidsMax, uint64_t{0});
  }
}

void CgroupReader::ReadV1Memory(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kMemory;
  if (!Has(c, h)) {
    return;
  }
  Stats& s = c.stats;
  s.memory_usage = U64(c, h, kMemUsage);
  s.memory_max_usage = U64(c, h, kMemMaxUsage);
  s.memory_failcnt = U64(c, h, kMemFailcnt);
  const auto memsw = U64(c, h, kMemswUsage);
  std::optional<uint64_t> v[std::size(kV1MemoryKeys)];
  if (Keyed(c, h, kMemStat, kV1MemoryKeys, v)) {
    s.memory_rss = v[0];
    s.memory_cache = v[1];
    s.memory_mapped_file = v[2];
    s.memory_inactive_file = v[3];
    s.pgfault = v[4];
    s.pgmajfault = v[5];
    s.hierarchy_pgfault = v[6];
    s.hierarchy_pgmajfault = v[7];
    if (memsw && s.memory_usage) {
      s.memory_swap = *memsw > *s.memory_usage ? *memsw - *s.memory_usage : 0;
    } else {
      s.memory_swap = v[8];
    }
  }
  if (auto oom = Text(c, h, kMemOomControl)) {
    s.oom_kills = FlatKey(*oom, "oom_kill");
  }
}

bool CgroupReader::ReadV1Blkio(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kBlkio;
  if (!Has(c, h)) {
    return false;
  }
  Stats& s = c.stats;
  // Both files are merged into s.io; the second read overwrites the buffer of the first.
  bool ok = true;
  bool any = false;
  for (const FileId id : {kBlkioBytes, kBlkioOps}) {
    auto text = Text(c, h, id);
    if (!text) {
      s.io.clear();
      return false;
    }
    any = true;
    if (ok && !MergeBlkio(*text, id == kBlkioBytes, s.io)) {
      Malformed(c, h, id, "unexpected line");
      ok = false;
    }
  }
  if (!ok || !any || s.io.empty()) {
    s.io.clear();
    return false;
  }
  s.io_known = s.io_ops_known = true;
  return true;
}

void CgroupReader::ReadV2(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kUnified;
  if (!Has(c, h)) {
    return;
  }
  Stats& s = c.stats;
  ReadV2Cpu(c);
  ReadV2Memory(c);
  s.threads = U64(c, h, kPidsCurrent);
  if (reading_limits_) {
    ReadV2Limits(c);
  }
  if (auto io = Text(c, h, kIoStat)) {
    if (ParseIoStatInto(*io, s.io)) {
      s.io_known = s.io_ops_known = true;
    } else {
      Malformed(c, h, kIoStat, "unexpected line");
    }
  }
  ReadPressure(c);
  ReadProcesses(c, !s.io_known);
}

void CgroupReader::ReadV2Cpu(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kUnified;
  Stats& s = c.stats;
  std::optional<uint64_t> v[std::size(kV2CpuKeys)];
  if (Keyed(c, h, kCpuStat, kV2CpuKeys, v)) {
    s.cpu_usage_ns = Micros(v[0]);
    s.cpu_user_ns = Micros(v[1]);
    s.cpu_system_ns = Micros(v[2]);
    s.cfs_periods = v[3];
    s.cfs_throttled_periods = v[4];
    s.cfs_throttled_ns = Micros(v[5]);
  }
}

void CgroupReader::ReadV2Limits(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kUnified;
  Limits& l = c.stats.limits;
  if (auto text = Text(c, h, kCpuMax)) {
    if (auto m = ParseCpuMax(*text)) {
      l.cpu_period_us = m->period_us;
      l.cpu_quota_us = m->quota_us;
    } else {
      Malformed(c, h, kCpuMax, "expected '<quota|max> <period>'");
    }
  }
  if (auto w = U64(c, h, kCpuWeight)) {
    l.cpu_shares = CpuWeightToShares(*w);
  }
  l.memory_limit = Limit(U64(c, h, kMemMax, uint64_t{0}));
  l.memory_reservation = Limit(U64(c, h, kMemLow, uint64_t{0}));
  l.memory_swap_limit = Limit(U64(c, h, kSwapMax, uint64_t{0}));
  l.threads_max = U64(c, h, kPidsMax, uint64_t{0});
}

void CgroupReader::ReadV2Memory(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kUnified;
  Stats& s = c.stats;
  s.memory_usage = U64(c, h, kMemCurrent);
  s.memory_max_usage = U64(c, h, kMemPeak);
  s.memory_swap = U64(c, h, kSwapCurrent);
  std::optional<uint64_t> v[std::size(kV2MemoryKeys)];
  if (Keyed(c, h, kMemStat, kV2MemoryKeys, v)) {
    s.memory_rss = v[0];
    s.memory_cache = v[1];
    s.memory_mapped_file = v[2];
    s.memory_inactive_file = v[3];
    // v2's memory.stat is hierarchical: both scopes are the same numbers.
    s.pgfault = s.hierarchy_pgfault = v[4];
    s.pgmajfault = s.hierarchy_pgmajfault = v[5];
  }
  if (auto events = Text(c, h, kMemEvents)) {
    s.memory_failcnt = FlatKey(*events, "max");
    s.oom_kills = FlatKey(*events, "oom_kill");
  }
}

void CgroupReader::ReadPressure(CgroupState& c) {
  constexpr Hierarchy h = Hierarchy::kUnified;
  if (!Has(c, h)) {
    return;
  }
  Stats& s = c.stats;
  const std::pair<FileId, std::optional<Pressure>*> files[] = {{kCpuPressure, &s.cpu_pressure},
                                                               {kMemPressure, &s.memory_pressure},
                                                               {kIoPressure, &s.io_pressure}};
  for (const auto& [id, field] : files) {
    if (auto text = Text(c, h, id)) {
      *field = ParsePressure(*text);
      if (!*field) {
        Malformed(c, h, id, "expected 'some ... total=N' lines");
      }
    }
  }
}

}  // namespace swarmscope::cgroup
