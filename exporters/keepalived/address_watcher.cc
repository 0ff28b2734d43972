#include "exporters/keepalived/address_watcher.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "collector/background.h"

// The kernel's netlink macros (NLMSG_*, RTA_*, IFA_*) are C casts.
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wsign-compare"

namespace swarmscope::keepalived {
namespace {

[[noreturn]] void Fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string InterfaceName(uint32_t index) {
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(index, name) == nullptr) {
    return "if" + std::to_string(index);
  }
  return name;
}

}  // namespace

AddressWatcher::~AddressWatcher() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void AddressWatcher::Open() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd_ < 0) {
    Fail("netlink socket");
  }
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_IPV4_IFADDR;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Fail("bind netlink");
  }
  RequestDump();
  // The first dump is read here, so that the collector knows the addresses from the start.
  StopPoller poller{std::stop_token{}};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ready() && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    poller.Wait({&p, 1}, std::chrono::milliseconds(200));
    while (ReadOnce()) {
    }
  }
  if (!ready()) {
    errno = ETIMEDOUT;
    Fail("netlink address dump");
  }
}

void AddressWatcher::RequestDump() {
  struct {
    nlmsghdr header;
    ifaddrmsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETADDR;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = ++dump_seq_;
  request.body.ifa_family = AF_INET;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, &request, sizeof request, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    Fail("netlink RTM_GETADDR");
  }
  dumping_ = true;
  building_.clear();
  during_dump_.clear();
}

void AddressWatcher::Apply(const void* message, bool add) {
  const auto* header = static_cast<const nlmsghdr*>(message);
  const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(header));
  if (ifa->ifa_family != AF_INET) {
    return;
  }
  int length = static_cast<int>(IFA_PAYLOAD(header));
  std::string address;
  for (const rtattr* a = IFA_RTA(ifa); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
    // IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer's on p2p links).
    if ((a->rta_type == IFA_LOCAL || (a->rta_type == IFA_ADDRESS && address.empty())) &&
        RTA_PAYLOAD(a) == 4) {
      char text[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, RTA_DATA(a), text, sizeof text);
      address = text;
    }
  }
  if (address.empty()) {
    return;
  }
  LocalAddress local{InterfaceName(ifa->ifa_index), ifa->ifa_prefixlen,
                     std::chrono::system_clock::now()};
  auto same = [&](auto& map) {
    auto [lo, hi] = map.equal_range(address);
    for (auto it = lo; it != hi; ++it) {
      if (it->second.interface == local.interface) {
        return it;
      }
    }
    return map.end();
  };
  if (dumping_ && header->nlmsg_seq == dump_seq_ && header->nlmsg_type == RTM_NEWADDR) {
    if (same(building_) == building_.end()) {
      building_.emplace(address, local);
    }
    return;
  }
  if (dumping_) {
    // Replayed on the dump's result: adding what is there or removing what is not changes
    // nothing, so an event the dump already reflects is harmless and a later one counts.
    during_dump_.push_back({address, local, add});
  }
  std::lock_guard lock(mu_);
  ApplyEvent(addresses_, address, local, add);
}

void AddressWatcher::ApplyEvent(std::multimap<std::string, LocalAddress>& map,
                                const std::string& address, const LocalAddress& local, bool add) {
  auto [lo, hi] = map.equal_range(address);
  auto it = lo;
  while (it != hi && it->second.interface != local.interface) {
    ++it;
  }
  if (add && it == hi) {
    map.emplace(address, local);
  } else if (!add && it != hi) {
    map.erase(it);
  }
}

bool AddressWatcher::ReadOnce() {
  alignas(nlmsghdr) std::array<char, 32768> buffer;
  const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return false;
    }
    if (errno == ENOBUFS) {
      RequestDump();  // events were lost: start over from a dump
      return true;
    }
    Fail("netlink recv");
  }
  int left = static_cast<int>(n);
  for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(h, left);
       h = NLMSG_NEXT(h, left)) {
    if (h->nlmsg_type == NLMSG_DONE && dumping_ && h->nlmsg_seq == dump_seq_) {
      // Events that came during the dump were applied to the old picture; the dump itself
      // is the kernel's state when it was taken, and later events follow it.
      std::lock_guard lock(mu_);
      for (auto& [address, local] : building_) {
        for (const auto& [old_address, old] : addresses_) {
          if (old_address == address && old.interface == local.interface) {
            local.since = old.since;  // an address that stayed keeps its first sighting
          }
        }
      }
      addresses_ = std::move(building_);
      building_.clear();
      for (const auto& e : during_dump_) {
        ApplyEvent(addresses_, e.address, e.local, e.add);
      }
      during_dump_.clear();
      dumping_ = false;
      ++dumps_;
      ready_ = true;
    } else if (h->nlmsg_type == NLMSG_ERROR) {
      const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
      if (e->error != 0) {
        errno = -e->error;
        Fail("netlink error");
      }
    } else if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
      Apply(h, h->nlmsg_type == RTM_NEWADDR);
    }
  }
  return true;
}

void AddressWatcher::Run(std::stop_token stop) {
  StopPoller poller(stop);
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    if (!poller.Wait({&p, 1}, std::chrono::milliseconds(-1))) {
      return;
    }
    while (ReadOnce()) {
    }
  }
}

std::multimap<std::string, LocalAddress> AddressWatcher::Snapshot() const {
  std::lock_guard lock(mu_);
  return addresses_;
}

uint64_t AddressWatcher::dumps() const {
  std::lock_guard lock(mu_);
  return dumps_;
}

bool AddressWatcher::ready() const {
  std::lock_guard lock(mu_);
  return ready_;
}

}  // namespace swarmscope::keepalived
