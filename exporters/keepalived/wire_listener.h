#pragma once

// The VRRP adverts on this network namespace's interfaces, as they pass: an AF_PACKET
// socket (ETH_P_ALL, so that this node's own outgoing adverts are seen too; a raw
// IPPROTO_VRRP socket never sees them) with a classic BPF filter that keeps IPv4 protocol
// 112 and nothing else in the kernel. Needs CAP_NET_RAW (in Docker's default set) in the
// namespace whose interfaces are watched (host networking for the host's).

#include <chrono>
#include <functional>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>

#include "exporters/keepalived/vrrp_packet.h"

namespace swarmscope::keepalived {

struct WirePacket {
  std::string interface;                         ///< where it was seen
  bool outgoing = false;                         ///< sent by this host
  std::chrono::steady_clock::time_point steady;  ///< when the kernel received it
  std::chrono::system_clock::time_point wall;    ///< the same, wall clock
};

class WireListener {
 public:
  using OnAdvert = std::function<void(const WirePacket&, const VrrpAdvert&)>;
  /// `count` packets that were not valid adverts, by cause (PacketErrorName, or "dropped":
  /// the kernel's receive queue was full).
  using OnError = std::function<void(std::string_view cause, uint64_t count)>;

  /// `interfaces`: only these (empty: all).
  WireListener(std::set<std::string> interfaces, OnAdvert on_advert, OnError on_error);
  ~WireListener();
  WireListener(const WireListener&) = delete;
  WireListener& operator=(const WireListener&) = delete;

  /// Opens the socket; throws std::system_error (e.g. EPERM without CAP_NET_RAW).
  void Open();
  /// Receives until `stop`; returns then. Throws std::system_error on a socket failure that
  /// is not transient (the task backstop reopens after a backoff). An interface going down
  /// (ENETDOWN) is transient.
  void Run(std::stop_token stop);

  uint64_t packets() const { return packets_; }

 private:
  std::string InterfaceName(int ifindex);

  std::set<std::string> interfaces_;
  OnAdvert on_advert_;
  OnError on_error_;
  int fd_ = -1;
  uint64_t packets_ = 0;
};

}  // namespace swarmscope::keepalived
