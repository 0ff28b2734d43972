#include "exporters/ceph/admin_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace swarmscope::ceph {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Pacific's AdminSocket::do_accept() reads the command into a 1024-byte buffer, terminator
// included.
constexpr size_t kMaxCommandBytes = 1023;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void Fail(const std::string& path, std::string_view what) {
  throw std::runtime_error("admin socket " + path + ": " + std::string(what));
}

[[noreturn]] void FailErrno(const std::string& path, std::string_view doing, int err) {
  std::string what(doing);
  what += ": ";
  switch (err) {
    case ENOENT:
      what += "no such socket (is the daemon running on this node?)";
      break;
    case ECONNREFUSED:
      what += "connection refused (the daemon is not running: stale socket)";
      break;
    case EACCES:
    case EPERM:
      what += "permission denied";
      break;
    case ECONNRESET:
    case EPIPE:
      what += "connection reset by the daemon";
      break;
    default:
      what += std::strerror(err);
  }
  Fail(path, what);
}

// Milliseconds left until `deadline` for poll(), at least 0, rounded up so that a sub-ms
// remainder still waits rather than spinning.
int RemainingMs(SteadyClock::time_point deadline) {
  const auto left = deadline - SteadyClock::now();
  if (left <= SteadyClock::duration::zero()) {
    return 0;
  }
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

// Waits until `fd` is ready for `events` or the deadline passes. Returns false on timeout.
bool WaitFor(int fd, short events, SteadyClock::time_point deadline, const std::string& path) {
  for (;;) {
    const int ms = RemainingMs(deadline);
    if (ms == 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) {
      return true;  // ready, or an error/hang-up the next call will report
    }
    if (n < 0 && errno != EINTR) {
      FailErrno(path, "poll", errno);
    }
  }
}

std::string TimedOut(std::string_view doing, std::chrono::milliseconds timeout) {
  return "timed out after " + std::to_string(timeout.count()) + " ms " + std::string(doing);
}

void Connect(int fd, const std::string& path, SteadyClock::time_point deadline,
             std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    Fail(path, "path longer than " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) {
      return;
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN) {
      // A Unix socket's listen backlog is full: the daemon is busy with other clients.
      // Linux does not queue the connect, so try again shortly.
      if (RemainingMs(deadline) == 0) {
        Fail(path, TimedOut("connecting (listen backlog full: the daemon is busy)", timeout));
      }
      std::this_thread::sleep_for(std::min<SteadyClock::duration>(std::chrono::milliseconds(5),
                                                                  deadline - SteadyClock::now()));
      continue;
    }
    if (err != EINPROGRESS) {
      FailErrno(path, "connect", err);
    }
    if (!WaitFor(fd, POLLOUT, deadline, path)) {
      Fail(path, TimedOut("connecting", timeout));
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
      FailErrno(path, "connect", errno);
    }
    if (so_error != 0) {
      FailErrno(path, "connect", so_error);
    }
    return;
  }
}

void SendAll(int fd, std::string_view data, const std::string& path,
             SteadyClock::time_point deadline, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      FailErrno(path, "sending the command", errno);
    }
    if (!WaitFor(fd, POLLOUT, deadline, path)) {
      Fail(path, TimedOut("sending the command", timeout));
    }
  }
}

// Reads until `out` holds `want` bytes. Returns false at end of stream (short).
bool ReadExactly(int fd, std::string& out, size_t want, const std::string& path,
                 SteadyClock::time_point deadline, std::chrono::milliseconds timeout,
                 std::string_view what) {
  char buf[64 * 1024];
  while (out.size() < want) {
    const size_t room = std::min(sizeof(buf), want - out.size());
    const ssize_t n = ::recv(fd, buf, room, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return false;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      FailErrno(path, "reading the " + std::string(what), errno);
    }
    if (!WaitFor(fd, POLLIN, deadline, path)) {
      Fail(path,
           TimedOut("waiting for the " + std::string(what) + " (" + std::to_string(out.size()) +
                        " of " + std::to_string(want) + " bytes received)",
                    timeout));
    }
  }
  return true;
}

}  // namespace

std::string AdminSocketCommand(const std::string& path, std::string_view json_command,
                               std::chrono::milliseconds timeout, size_t max_reply) {
  if (json_command.empty() || json_command.size() > kMaxCommandBytes ||
      json_command.find_first_of(std::string_view("\0\n", 2)) != std::string_view::npos) {
    // An empty command would start the old binary protocol (a leading NUL), which leaves
    // the daemon's admin socket thread waiting for more bytes.
    throw std::invalid_argument("admin socket command must be 1 to " +
                                std::to_string(kMaxCommandBytes) + " bytes without NUL or newline");
  }
  const auto deadline = SteadyClock::now() + timeout;
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    FailErrno(path, "socket", errno);
  }
  Connect(fd.get(), path, deadline, timeout);

  std::string request(json_command);
  request.push_back('\0');
  SendAll(fd.get(), request, path, deadline, timeout);

  std::string header;
  if (!ReadExactly(fd.get(), header, 4, path, deadline, timeout, "reply length")) {
    Fail(path, "short reply: the daemon closed the connection after " +
                   std::to_string(header.size()) + " of 4 length bytes");
  }
  const auto byte = [&](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(header[i])); };
  const size_t length = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
  if (length > max_reply) {
    Fail(path, "oversized reply: " + std::to_string(length) + " bytes announced, the limit is " +
                   std::to_string(max_reply));
  }
  std::string reply;
  // Grown as bytes arrive: a peer announcing a large length and sending nothing costs
  // nothing.
  reply.reserve(std::min<size_t>(length, 1u << 20));
  if (!ReadExactly(fd.get(), reply, length, path, deadline, timeout, "reply")) {
    Fail(path, "short reply: the connection closed after " + std::to_string(reply.size()) + " of " +
                   std::to_string(length) + " bytes");
  }
  if (reply.starts_with("ERROR: ")) {
    // "ERROR: (22) Invalid argument\nunknown command prefix counter dump\n" -> one line.
    std::string message = reply.substr(0, 512);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    std::replace(message.begin(), message.end(), '\n', ' ');
    Fail(path, "the daemon refused " + std::string(json_command) + ": " + message);
  }
  return reply;
}

}  // namespace swarmscope::ceph
