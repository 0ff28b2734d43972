#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace swarmscope {

/// The fields of /proc/<pid>/stat the process_* metrics need.
struct ProcStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t starttime_ticks = 0;  ///< since boot
  uint64_t vsize_bytes = 0;
  int64_t rss_pages = 0;
  int64_t num_threads = 0;
};

/// Parses /proc/<pid>/stat. The command name may hold spaces and parentheses, so fields
/// are counted from the last ')'. Returns nullopt on anything malformed.
std::optional<ProcStat> ParseProcStat(std::string_view text);

/// Parses `btime` (boot time, unix seconds) out of /proc/stat.
std::optional<uint64_t> ParseBootTime(std::string_view proc_stat);

/// Reads a whole (small, virtual) file; nullopt if it cannot be opened or read.
std::optional<std::string> ReadSmallFile(const std::string& path);

}  // namespace swarmscope
