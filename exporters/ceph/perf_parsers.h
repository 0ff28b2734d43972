#pragma once

// The pure parsers of the per-daemon side of the ceph exporter (daemon_counters.h): what a
// Ceph daemon's admin socket answers to `perf schema`, `perf dump`, `ops` and `config get`,
// text in, plain structs out.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace swarmscope::ceph {

/// The perf counter type bits of Ceph's perfcounter_type_d.
inline constexpr int kPerfTime = 1;
inline constexpr int kPerfU64 = 2;
inline constexpr int kPerfLongRunAvg = 4;
inline constexpr int kPerfCounter = 8;
inline constexpr int kPerfHistogram = 0x10;

/// One counter of a daemon's `perf schema`.
struct CounterSchema {
  std::string
      path;      ///< "<logger>.<counter>": "osd.op_r", "AsyncMessenger::Worker-0.msgr_recv_bytes"
  int type = 0;  ///< kPerf* bits
  int priority = 0;  ///< as the daemon adjusted it (what it reports to the mgr)
  std::string description;
};
/// The counters in the order of the schema.
using PerfSchema = std::vector<CounterSchema>;

/// One counter's value from `perf dump`.
struct CounterValue {
  double value = 0;      ///< as printed: seconds for time counters, the sum of an average
  uint64_t count = 0;    ///< "avgcount" of a long-running average
  bool average = false;  ///< printed as {"avgcount":...,"sum":...}
  /// The exact value when it was printed as an unsigned integer (u64 counters above 2^53).
  std::optional<uint64_t> integer;
};
/// By path ("<logger>.<counter>").
using PerfDump = std::unordered_map<std::string, CounterValue>;

/// Parse `perf schema` / `perf dump` output (compact or pretty JSON; bare inf/nan
/// tolerated). Throw std::invalid_argument on text that is not such an output.
PerfSchema ParsePerfSchema(std::string_view json);
PerfDump ParsePerfDump(std::string_view json);

/// The ages (seconds) of the ops in flight in `ops` / `dump_ops_in_flight` output, in the
/// daemon's order. Throws std::invalid_argument on other text.
std::vector<double> ParseOpsInFlight(std::string_view json);
/// SLOW_OPS as the OSD and the mon count it for the mgr (OpTracker::visit_ops_in_flight):
/// the ops older than `complaint_seconds`, counted in the daemon's order up to the first
/// one that is not.
uint64_t CountSlowOps(const std::vector<double>& ages, double complaint_seconds);
/// The value of `var` in `config get <var>` output ({"var": "30.000000"}). Throws
/// std::invalid_argument when absent or not a number.
double ParseConfigNumber(std::string_view json, std::string_view var);

}  // namespace swarmscope::ceph
