#pragma once

// Pure parsers of cgroup (v1 and v2) files and of mountinfo: string_view in, plain struct
// out. No I/O, no globals, no throws. Every parser rejects what it does not understand
// (nullopt or false) rather than guess a number. The /proc and netlink parsers are in
// proc_parsers.h.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope::cgroup {

/// One line of /proc/<pid>/mountinfo.
struct Mount {
  std::string root;         ///< path of the mount's root within its filesystem
  std::string mount_point;  ///< where it is mounted (octal escapes decoded)
  std::string fs_type;      ///< "cgroup", "cgroup2", ...
  std::string super_options;
};

/// Parses mountinfo; malformed lines are skipped and counted in `bad_lines`.
std::vector<Mount> ParseMountInfo(std::string_view text, size_t* bad_lines = nullptr);

/// A single unsigned number, as in memory.usage_in_bytes or cpuacct.usage.
/// `max` (v2 for "no limit") gives `max_value`.
std::optional<uint64_t> ParseU64(std::string_view text,
                                 std::optional<uint64_t> max_value = std::nullopt);
/// A single signed number, as in cpu.cfs_quota_us (-1 = no quota).
std::optional<int64_t> ParseI64(std::string_view text);

/// Looks `key` up in a flat keyed file ("key value" per line: memory.stat, cpu.stat,
/// cpuacct.stat, memory.events, memory.oom_control). nullopt when missing or not a number.
std::optional<uint64_t> FlatKey(std::string_view text, std::string_view key);
/// Whether every line of a flat keyed file is "key <u64>".
bool IsFlatKeyed(std::string_view text);
/// Looks every key of `keys` up in one pass over a flat keyed file: `values[i]` is the
/// value of `keys[i]` (nullopt when missing), as FlatKey() would find it. Returns false,
/// with every value nullopt, when a line is not "key value" or a value asked for is not a
/// number (values not asked for are not parsed: every file IsFlatKeyed() accepts passes).
/// `values` must be as long as `keys`.
bool ParseFlatKeyed(std::string_view text, std::span<const std::string_view> keys,
                    std::span<std::optional<uint64_t>> values);

/// cgroup v2 cpu.max: "<quota|max> <period>".
struct CpuMax {
  std::optional<uint64_t> quota_us;  ///< nullopt = "max" (no quota)
  uint64_t period_us = 0;
};
std::optional<CpuMax> ParseCpuMax(std::string_view text);

/// Converts a cgroup v2 cpu.weight (1..10000) to v1 cpu.shares (2..262144), as runc and
/// cAdvisor do, so that container_spec_cpu_shares means the same on both.
uint64_t CpuWeightToShares(uint64_t weight);

/// A PSI file (cpu.pressure, memory.pressure, io.pressure): the `total=` of its `some` and
/// `full` lines, in microseconds.
struct Pressure {
  std::optional<uint64_t> some_total_us;
  std::optional<uint64_t> full_total_us;
};
std::optional<Pressure> ParsePressure(std::string_view text);

/// Block I/O of one device.
struct IoDevice {
  uint32_t major = 0;
  uint32_t minor = 0;
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
};
/// cgroup v2 io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. ...", into `devices`
/// (cleared first). False on anything malformed.
bool ParseIoStatInto(std::string_view text, std::vector<IoDevice>& devices);
std::optional<std::vector<IoDevice>> ParseIoStat(std::string_view text);
/// cgroup v1 blkio.*io_service_bytes and blkio.*io_serviced ("MAJ:MIN Read N" ... "Total N"),
/// merged into `devices` as bytes (`bytes` true) or operations.
bool MergeBlkio(std::string_view text, bool bytes, std::vector<IoDevice>& devices);

/// A list of ids, one per line (cgroup.procs, tasks, cgroup.threads), into `ids` (cleared
/// first, in file order). False on a line that is not a positive number.
bool ParseIdList(std::string_view text, std::vector<int64_t>& ids);

/// The container id in a cgroup directory name: a 64-hex name (cgroupfs driver) or
/// `docker-<64 hex>.scope` (systemd driver); empty if it is neither.
std::string_view ContainerIdFromCgroupName(std::string_view name);

}  // namespace swarmscope::cgroup
