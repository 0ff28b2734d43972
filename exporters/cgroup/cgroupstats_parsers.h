#pragma once

// The encoding and decoding of the kernel's cgroupstats messages (generic netlink,
// linux/cgroupstats.h and linux/taskstats.h) that taskstats.cc sends and reads: bytes in,
// plain struct out. No I/O, no globals, no throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exporters/cgroup/proc_parsers.h"

namespace swarmscope::cgroup {

/// A request for the id of the TASKSTATS generic netlink family (CTRL_CMD_GETFAMILY).
std::string BuildTaskstatsFamilyRequest(uint32_t seq);
/// The family id in the reply to BuildTaskstatsFamilyRequest(seq). On an error reply,
/// nullopt and `*error` = the (positive) errno; on a malformed reply, nullopt and 0.
std::optional<uint16_t> ParseTaskstatsFamilyReply(std::string_view reply, uint32_t seq,
                                                  int* error = nullptr);

/// A CGROUPSTATS_CMD_GET request for the cgroup directory open as `dir_fd`.
std::string BuildCgroupStatsRequest(uint16_t family, uint32_t seq, uint32_t dir_fd);

/// What a reply to BuildCgroupStatsRequest() says.
struct CgroupStatsReply {
  enum class Kind {
    kStats,      ///< `states` holds the counts (with iowait)
    kError,      ///< the kernel refused: `error` is the errno (EINVAL: not a v1 cgroup)
    kOther,      ///< a message for another request (a stale sequence number): skip it
    kMalformed,  ///< not a reply this parser understands
  };
  Kind kind = Kind::kMalformed;
  int error = 0;
  TaskStates states;
};
CgroupStatsReply ParseCgroupStatsReply(std::string_view reply, uint32_t seq);

}  // namespace swarmscope::cgroup
