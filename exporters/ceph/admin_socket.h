#pragma once

// The admin socket of a Ceph daemon (`/var/run/ceph/<cluster>-<type>.<id>.asok`): what
// `ceph daemon` / `ceph --admin-daemon` speak, without librados or a Ceph context.
//
// The protocol, as Pacific's AdminSocket serves it (checked against 16.2.15's daemons):
// - one command per connection; the daemon's single admin socket thread serves the
//   connections one at a time, so a slow command delays the others;
// - the client sends the JSON command (e.g. {"prefix":"perf dump","format":"json"})
//   terminated by a NUL byte (a newline also ends it); the daemon reads at most 1023 bytes
//   before the terminator and closes the connection without an answer when it is longer;
// - the daemon answers a 4-byte big-endian length, then that many bytes, then closes;
// - a command it does not know or cannot run is answered like any other, with a payload
//   "ERROR: (22) Invalid argument\n<reason>\n" (e.g. Pacific's answer to `counter dump`);
// - without "format", the output is JSON pretty-printed; "format":"json" halves its size.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace swarmscope::ceph {

/// Largest reply accepted by default: a `perf dump` of a busy OSD is ~100 KB, `ops` with
/// thousands of ops in flight a few MB.
inline constexpr size_t kMaxAdminSocketReply = 64u << 20;

/// Sends `json_command` to the admin socket at `path` and returns the daemon's output.
///
/// The whole exchange (connect, send, the length and the payload) has one deadline,
/// `timeout` from the call: non-blocking I/O with poll(), so a daemon that accepts and never
/// answers (hung admin socket thread) costs at most `timeout`.
///
/// Throws std::runtime_error with a message that starts with `path` and says what failed:
/// no such socket, connection refused (the daemon is not running: a stale socket file),
/// permission denied, timed out (connecting, sending, waiting for the answer), short reply
/// (the connection closed before the announced length), oversized reply (more than
/// `max_reply` bytes announced), or the daemon's "ERROR: ..." answer. Throws
/// std::invalid_argument for a command the protocol cannot carry (empty, 1024 bytes or more,
/// or containing a NUL or newline).
std::string AdminSocketCommand(const std::string& path, std::string_view json_command,
                               std::chrono::milliseconds timeout,
                               size_t max_reply = kMaxAdminSocketReply);

}  // namespace swarmscope::ceph
