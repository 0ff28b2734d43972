#pragma once

// The kernel's cgroupstats over generic netlink (the TASKSTATS family, CGROUPSTATS_CMD_GET),
// as cAdvisor uses it for container_tasks_state: the number of a cgroup's tasks running,
// sleeping, stopped, in uninterruptible sleep and waiting on I/O, counted by the kernel in
// one request. It answers only in the initial network namespace (the family is not
// registered elsewhere) and only for cgroup v1 directories.

#include <chrono>
#include <cstdint>

#include "exporters/cgroup/cgroupstats_parsers.h"

namespace swarmscope::cgroup {

/// A long-lived netlink socket asking cgroupstats. Reconnects by itself after a socket
/// error; when the family cannot be found (another network namespace), it says
/// kUnavailable and tries again after a minute. Not thread-safe.
class CgroupStatsClient {
 public:
  CgroupStatsClient() = default;
  ~CgroupStatsClient();
  CgroupStatsClient(const CgroupStatsClient&) = delete;
  CgroupStatsClient& operator=(const CgroupStatsClient&) = delete;

  enum class Result {
    kOk,           ///< `states` holds the kernel's counts
    kRefused,      ///< the kernel refused this directory (EINVAL: not a v1 cgroup)
    kUnavailable,  ///< no answer (no TASKSTATS family here, a socket error, a timeout)
  };
  /// Counts the tasks of the cgroup directory open as `dir_fd`.
  Result Query(int dir_fd, TaskStates& states);

  /// Whether the family was found (tries to connect if not yet).
  bool Available();

 private:
  bool Connect();
  void Disconnect();
  bool Send(const std::string& request);
  /// Receives datagrams into buffer_ until one is not a stale reply; its size, or -1.
  long Receive();

  int socket_ = -1;
  uint16_t family_ = 0;
  uint32_t seq_ = 0;
  std::chrono::steady_clock::time_point retry_after_{};
  alignas(8) char buffer_[2048];
};

}  // namespace swarmscope::cgroup
