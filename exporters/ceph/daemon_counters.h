#pragma once

// The per-daemon side of the ceph exporter (Reef's "ceph-exporter" role): the performance
// counters of the Ceph daemons running on this node, read from their admin sockets, with
// the names, types, labels and HELP the Pacific ceph-mgr `prometheus` module gives them
// (module.py collect() over mgr_module.py get_all_perf_counters()):
// - counters of priority >= 5 (PRIO_USEFUL) of mds, mon, osd, rbd-mirror, rgw and
//   tcmu-runner daemons; histograms are left out;
// - `ceph_` + the path "<logger>.<counter>" with `.`, `/`, whitespace and `::` made `_`,
//   `+` made `_plus`, a trailing `-` made `_minus`, other `-` made `_`;
// - the label ceph_daemon="osd.0" (rgw: instance_id="<name>"; rbd-mirror image counters
//   also get pool, namespace and image);
// - the type: gauge, or counter for counters and long-running averages; time values in
//   seconds; a long-running average is `<name>_sum` (HELP "<desc> Total") and
//   `<name>_count` (counter, HELP "<desc> Count");
// - `ceph_daemon_health_metrics{type="SLOW_OPS",ceph_daemon}` for mons and OSDs, counted
//   from the daemon's ops in flight as the daemon counts them for its reports to the mgr.
// Plus `swarmscope_ceph_daemon_socket_up{ceph_daemon}`.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collector/exporter.h"
#include "collector/metric_writer.h"

namespace swarmscope::ceph {

/// The perf counter type bits of Ceph's perfcounter_type_d.
inline constexpr int kPerfTime = 1;
inline constexpr int kPerfU64 = 2;
inline constexpr int kPerfLongRunAvg = 4;
inline constexpr int kPerfCounter = 8;
inline constexpr int kPerfHistogram = 0x10;
/// The mgr module's priority limit (mgr_module.py PRIO_USEFUL).
inline constexpr int kPrioUseful = 5;

/// A daemon whose admin socket is in the run directory.
struct DaemonSocket {
  std::string type;  ///< "osd", "mon", "mds", "rgw", "rbd-mirror", "tcmu-runner"
  std::string id;    ///< "0", "a"; for rgw/rbd-mirror/tcmu-runner the name after "client.<type>."
  std::string path;  ///< the socket file
  /// "osd.0": the daemon's name as the mgr module labels it.
  std::string name() const { return type + "." + id; }
};

/// The daemons of `cluster` whose admin sockets are in `dir`, sorted by (type, id) as the
/// mgr orders a host's daemons: `<cluster>-<type>.<id>.asok` for mds, mon and osd;
/// `<cluster>-client.<type>.<id>[.<pid>.<cctid>].asok` for rgw, rbd-mirror and tcmu-runner
/// (the newest file when several name the same daemon). Other sockets (mgr, clients,
/// other clusters) are skipped. A missing `dir` is no daemons; any other error reading
/// it throws std::runtime_error.
std::vector<DaemonSocket> FindDaemonSockets(const std::string& dir, std::string_view cluster);

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

/// One daemon as the renderer takes it.
struct DaemonData {
  std::string type;                    ///< "osd"
  std::string id;                      ///< "0"
  bool up = false;                     ///< its perf dump was read and parsed
  const PerfSchema* schema = nullptr;  ///< unset when not up
  const PerfDump* dump = nullptr;      ///< unset when not up
  std::optional<uint64_t> slow_ops;    ///< SLOW_OPS (mons and OSDs), when read
};

/// The names and HELP texts of the families a rendering writes: MetricSpec holds views, so
/// they must live as long as the MetricWriter looks at its families (until its Reset() or
/// TakeBuffer()). Reused across renderings, each text is stored once.
class FamilyTexts {
 public:
  std::string_view Intern(std::string_view text);
  size_t size() const { return texts_.size(); }
  /// Only when no MetricWriter still refers to the texts.
  void Clear() { texts_.clear(); }

 private:
  std::set<std::string, std::less<>> texts_;  // node-based: the views stay valid
};

/// Writes the daemons' families, family-major (all daemons' series of a family together),
/// with `base` first on every series. A family's HELP and type come from the first daemon
/// that has it, as in the mgr module. `texts` keeps the family names and HELPs (see above).
void WriteDaemonCounters(const std::vector<DaemonData>& daemons, const LabelSet& base,
                         MetricWriter& out, FamilyTexts& texts);

/// The families with fixed names (the others are named after the daemons' counters).
const std::vector<MetricSpec>& DaemonCounterSpecs();

/// Reads the admin sockets of this node's daemons and renders their counters. One daemon
/// failing (not running, hung, garbage) never loses the others: it is reported to `errors`
/// ("admin_socket", "parse", "run_dir"; "internal" for a bug) with its ceph_daemon, and gets
/// socket_up 0.
///
/// A daemon's schema is read once and again when its socket changed (inode or mtime: the
/// daemon restarted) or its dump shows a counter the schema lacks. Each command has its
/// own `timeout`; a daemon that times out is not asked anything more in that refresh.
/// Not thread-safe: one caller (the refresh task).
class DaemonCounters {
 public:
  struct Result {
    std::shared_ptr<const std::string> text;
    size_t daemons = 0;  ///< sockets found
    size_t failed = 0;   ///< of which not read (socket_up 0)
  };

  DaemonCounters(std::string dir, std::string cluster, std::chrono::milliseconds timeout,
                 ErrorReporter& errors, LabelSet base = {});

  Result Refresh();

 private:
  struct SocketId {
    uint64_t dev = 0;
    uint64_t ino = 0;
    int64_t mtime_ns = 0;
    bool operator==(const SocketId&) const = default;
  };
  struct Cached {
    SocketId socket;
    PerfSchema schema;
    std::unordered_set<std::string> paths;    // of the schema
    std::unordered_set<std::string> unknown;  // dump paths a fresh schema still lacked
  };
  // Reads one daemon; false (and reported) when its counters could not be read.
  bool ReadDaemon(const DaemonSocket& socket, PerfDump& dump, const PerfSchema*& schema,
                  std::optional<uint64_t>& slow_ops);
  std::string Command(const DaemonSocket& socket, std::string_view command);
  void LoadSchema(const DaemonSocket& socket, Cached& cached, const PerfDump& dump);
  std::optional<uint64_t> ReadSlowOps(const DaemonSocket& socket);

  std::string dir_;
  std::string cluster_;
  std::chrono::milliseconds timeout_;
  ErrorReporter& errors_;
  LabelSet base_;
  std::unordered_map<std::string, Cached> cache_;  // by daemon name
  FamilyTexts texts_;                              // before writer_: outlives it
  MetricWriter writer_;
};

}  // namespace swarmscope::ceph
