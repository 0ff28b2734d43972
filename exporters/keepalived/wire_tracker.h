#pragma once

// What the VRRP adverts on the wire say, per interface and VRID: who is master now, whether
// this node is, whether there is none, and whether two nodes are (split brain).
//
// Only a master sends adverts (RFC 3768 §6.4.3, RFC 5798 §6.4.3), so a source is taken as a
// current master while its adverts keep coming: its last one is less than three advert
// intervals old (a backup declares the master down after 3 × interval + skew) and had a
// priority above 0 (priority 0 is a master leaving), with 0.25 s of slack for the batched
// reading of the wire. Two sources are two masters only when
// their adverts interleave — each has sent one since the other's previous one — so the
// hand-over of preemption or failover (the old master's adverts stop as the new one's
// start) is never mistaken for a split brain.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exporters/keepalived/vrrp_packet.h"

namespace swarmscope::keepalived {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

struct SourceView {
  std::string address;    ///< the advert's IP source
  bool outgoing = false;  ///< sent by this node
  int priority = 0;
  int version = 0;
  double interval_seconds = 0;
  std::vector<std::string> addresses;  ///< the VIPs it advertises
  uint64_t adverts = 0;                ///< packets seen (unicast: one per peer)
  WallClock::time_point last_wall;     ///< when its last advert was seen
  bool current = false;                ///< a master now (see above)
};

struct VridView {
  std::string interface;
  int vrid = 0;
  std::vector<SourceView> sources;    ///< every source seen and not forgotten, by address
  bool this_node_master = false;      ///< this node's own adverts are current
  int current_masters = 0;            ///< sources that are current
  bool split_brain = false;           ///< two current sources whose adverts interleave
  std::optional<std::string> master;  ///< the current source of highest priority (then IP)
  int master_priority = 0;
  uint64_t master_changes = 0;  ///< times the master became another source
  uint64_t priority_zero = 0;   ///< adverts with priority 0 (a master leaving)
};

class WireTracker {
 public:
  /// Sources silent for longer than `forget_after` are dropped (with their series).
  explicit WireTracker(std::chrono::seconds forget_after = std::chrono::minutes(10))
      : forget_after_(forget_after) {}

  /// One advert seen on `interface`; `outgoing` when this node sent it. Thread-safe.
  void Observe(const std::string& interface, bool outgoing, const VrrpAdvert& advert,
               Clock::time_point now, WallClock::time_point wall);
  /// The picture at `now`, sorted by interface then VRID. Thread-safe.
  std::vector<VridView> View(Clock::time_point now) const;
  /// Every VIP any source advertised, sorted, without duplicates. Thread-safe.
  std::vector<std::string> AdvertisedAddresses() const;

 private:
  struct Source {
    SourceView view;
    Clock::time_point last{};    // the last advert round
    Clock::time_point prev{};    // the one before, if any
    Clock::time_point latest{};  // the last advert
  };
  struct Vrid {
    std::map<std::string, Source> sources;
    std::string master;  // as of the last advert, for counting changes
    uint64_t master_changes = 0;
    uint64_t priority_zero = 0;
  };
  static bool Current(const Source& s, Clock::time_point now);
  static std::string MasterOf(const Vrid& v, Clock::time_point now, int* priority);
  void Forget(Clock::time_point now);

  std::chrono::seconds forget_after_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, Vrid> vrids_;
};

}  // namespace swarmscope::keepalived
