#include "exporters/cgroup/taskstats.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>

namespace swarmscope::cgroup {
namespace {

constexpr auto kRetryConnect = std::chrono::minutes(1);
// The kernel answers at once; a reply this late will not come.
constexpr timeval kReceiveTimeout{1, 0};
// Stale replies (to requests that timed out) skipped before giving up on one request.
constexpr int kMaxStale = 4;

}  // namespace

CgroupStatsClient::~CgroupStatsClient() { Disconnect(); }

void CgroupStatsClient::Disconnect() {
  if (socket_ >= 0) {
    ::close(socket_);
    socket_ = -1;
  }
}

bool CgroupStatsClient::Send(const std::string& request) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    const ssize_t n = ::sendto(socket_, request.data(), request.size(), 0,
                               reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
    if (n >= 0) {
      return static_cast<size_t>(n) == request.size();
    }
    if (errno != EINTR) {
      return false;
    }
  }
}

long CgroupStatsClient::Receive() {
  for (;;) {
    const ssize_t n = ::recv(socket_, buffer_, sizeof(buffer_), 0);
    if (n >= 0 || errno != EINTR) {
      return static_cast<long>(n);
    }
  }
}

bool CgroupStatsClient::Connect() {
  socket_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  bool ok = socket_ >= 0 && ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &kReceiveTimeout,
                                         sizeof(kReceiveTimeout)) == 0;
  const uint32_t seq = ++seq_;
  ok = ok && Send(BuildTaskstatsFamilyRequest(seq));
  std::optional<uint16_t> family;
  for (int i = 0; ok && !family && i < kMaxStale; ++i) {
    const long n = Receive();
    ok = n > 0;
    if (ok) {
      int error = 0;
      family =
          ParseTaskstatsFamilyReply(std::string_view(buffer_, static_cast<size_t>(n)), seq, &error);
      ok = family.has_value() || error == 0;  // an error reply: no such family here
    }
  }
  if (!family) {
    Disconnect();
    retry_after_ = std::chrono::steady_clock::now() + kRetryConnect;
    return false;
  }
  family_ = *family;
  return true;
}

bool CgroupStatsClient::Available() {
  if (socket_ >= 0) {
    return true;
  }
  if (std::chrono::steady_clock::now() < retry_after_) {
    return false;
  }
  return Connect();
}

CgroupStatsClient::Result CgroupStatsClient::Query(int dir_fd, TaskStates& states) {
  if (dir_fd < 0 || !Available()) {
    return Result::kUnavailable;
  }
  const uint32_t seq = ++seq_;
  if (!Send(BuildCgroupStatsRequest(family_, seq, static_cast<uint32_t>(dir_fd)))) {
    Disconnect();
    return Result::kUnavailable;
  }
  for (int i = 0; i < kMaxStale; ++i) {
    const long n = Receive();
    if (n <= 0) {
      Disconnect();  // a timeout or a socket error: start afresh next time
      return Result::kUnavailable;
    }
    const CgroupStatsReply reply =
        ParseCgroupStatsReply(std::string_view(buffer_, static_cast<size_t>(n)), seq);
    switch (reply.kind) {
      case CgroupStatsReply::Kind::kStats:
        states = reply.states;
        return Result::kOk;
      case CgroupStatsReply::Kind::kError:
        return reply.error == EINVAL ? Result::kRefused : Result::kUnavailable;
      case CgroupStatsReply::Kind::kOther:
        continue;
      case CgroupStatsReply::Kind::kMalformed:
        return Result::kUnavailable;
    }
  }
  return Result::kUnavailable;
}

}  // namespace swarmscope::cgroup
