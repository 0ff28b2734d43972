#pragma once

// The per-daemon side of the ceph exporter (Reef's "ceph-exporter" role): the performance
// counters of the Ceph daemons running on this node, read from their admin sockets
// (admin_socket.h), parsed (perf_parsers.h) and rendered with the names, types, labels and
// HELP the Pacific ceph-mgr `prometheus` module gives them (daemon_metrics.h). Here: finding
// the daemons' sockets, and the refresh that reads and renders them.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collector/exporter.h"
#include "collector/metric_writer.h"
#include "exporters/ceph/daemon_metrics.h"
#include "exporters/ceph/perf_parsers.h"

namespace swarmscope::ceph {

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
