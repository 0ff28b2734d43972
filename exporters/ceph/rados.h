#pragma once

// The cluster side of the ceph exporter: commands to the monitors and the active manager
// through librados' C API.
//
// Why the C API, loaded at run time: librados' C++ API (libradospp) exposes ceph::bufferlist
// and a C++ ABI built against Boost 1.74, while the collector is built with Boost 1.81; the
// C API is a small, stable set of functions with plain buffers, so nothing of librados'
// Boost or C++ types crosses into our code. And librados with libceph-common is tens of
// megabytes of shared libraries with their own start-up work: it is opened with dlopen()
// the first time the ceph collector connects, so a node that does not enable the collector
// (most swarms have no Ceph) maps none of it and the default image need not ship it.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace swarmscope::ceph {

/// The answer to one command: `rc` is 0 or a negative errno.
struct CommandResult {
  int rc = 0;
  std::string out;     ///< the command's output (JSON when asked for)
  std::string status;  ///< librados' status text (often the error message)
  bool ok() const { return rc == 0; }
};

/// Where a command goes: the monitors, or the active manager (osd df, osd perf, osd pool
/// stats, pg dump are served by the mgr and cost about twice as much through a mon).
enum class Target { kMon, kMgr };

/// A connected cluster as the refresh uses it. Thread-safe: commands may be sent
/// concurrently. The seam tests replace with captured answers.
class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual CommandResult Command(Target target, const std::string& json) = 0;
};

struct ConnectOptions {
  std::string config;   ///< ceph.conf path ("" = librados' default search)
  std::string user;     ///< "client.swarmscope" or "swarmscope"
  std::string keyring;  ///< keyring path ("" = from the config)
  std::string cluster;  ///< cluster name, "ceph"
  std::chrono::milliseconds connect_timeout{10000};  ///< client_mount_timeout
  std::chrono::milliseconds mon_op_timeout{5000};    ///< rados_mon_op_timeout
  std::chrono::milliseconds osd_op_timeout{5000};    ///< rados_osd_op_timeout
};

/// Connects with librados (opened on first use). Throws std::runtime_error with a message
/// that says what to fix: librados missing, config unreadable, authentication refused
/// (wrong key or user), no monitor reachable within the connect timeout.
std::unique_ptr<Cluster> Connect(const ConnectOptions& options);

/// "client.<user>" unless `user` already names an entity type.
std::string EntityName(std::string_view user);

/// librados' version as "major.minor.extra", or "" when it cannot be opened. Opens it.
std::string RadosVersion();

}  // namespace swarmscope::ceph
