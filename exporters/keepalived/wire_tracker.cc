#include "exporters/keepalived/wire_tracker.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

namespace swarmscope::keepalived {
namespace {

// Copies of one advert (unicast sends one per peer) arrive within microseconds; adverts of
// one source are an interval apart. Closer than this (or than half the interval), a packet
// is the same round.
constexpr auto kSameRound = std::chrono::milliseconds(100);
// Adverts are read in batches (wire_listener.cc) and scrapes come at any moment: a master
// stays current for this long past three intervals, so it never flickers.
constexpr double kSlackSeconds = 0.25;

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// VRRP's tie-break between equal priorities: the higher primary IP address wins.
bool HigherAddress(const std::string& a, const std::string& b) {
  in_addr x{}, y{};
  if (::inet_pton(AF_INET, a.c_str(), &x) == 1 && ::inet_pton(AF_INET, b.c_str(), &y) == 1) {
    return ntohl(x.s_addr) > ntohl(y.s_addr);
  }
  return a > b;
}

}  // namespace

bool WireTracker::Current(const Source& s, Clock::time_point now) {
  const double interval = s.view.interval_seconds > 0 ? s.view.interval_seconds : 1.0;
  return s.view.priority > 0 && now - s.latest < Seconds(3 * interval + kSlackSeconds);
}

std::string WireTracker::MasterOf(const Vrid& v, Clock::time_point now, int* priority) {
  std::string best;
  int best_priority = -1;
  for (const auto& [address, s] : v.sources) {
    if (!Current(s, now)) {
      continue;
    }
    if (s.view.priority > best_priority ||
        (s.view.priority == best_priority && HigherAddress(address, best))) {
      best = address;
      best_priority = s.view.priority;
    }
  }
  if (priority != nullptr) {
    *priority = std::max(best_priority, 0);
  }
  return best;
}

void WireTracker::Observe(const std::string& interface, bool outgoing, const VrrpAdvert& advert,
                          Clock::time_point now, WallClock::time_point wall) {
  std::lock_guard lock(mu_);
  Vrid& v = vrids_[{interface, advert.vrid}];
  Source& s = v.sources[advert.source];
  const auto same_round =
      std::min<Clock::duration>(kSameRound, Seconds(advert.interval_seconds / 2));
  if (s.view.adverts == 0 || now - s.last >= same_round) {
    s.prev = s.view.adverts == 0 ? Clock::time_point{} : s.last;
    s.last = now;
  }
  s.latest = std::max(s.latest, now);
  s.view.address = advert.source;
  s.view.outgoing = outgoing;
  s.view.priority = advert.priority;
  s.view.version = advert.version;
  s.view.interval_seconds = advert.interval_seconds;
  s.view.addresses = advert.addresses;
  s.view.last_wall = wall;
  ++s.view.adverts;
  if (advert.priority == 0) {
    ++v.priority_zero;
  }
  const std::string master = MasterOf(v, now, nullptr);
  if (!master.empty()) {
    if (!v.master.empty() && master != v.master) {
      ++v.master_changes;
    }
    v.master = master;
  }
  Forget(now);
}

void WireTracker::Forget(Clock::time_point now) {
  for (auto& [key, v] : vrids_) {
    std::erase_if(v.sources,
                  [&](const auto& entry) { return now - entry.second.latest > forget_after_; });
  }
}

std::vector<VridView> WireTracker::View(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  std::vector<VridView> out;
  for (const auto& [key, v] : vrids_) {
    VridView view;
    view.interface = key.first;
    view.vrid = key.second;
    view.master_changes = v.master_changes;
    view.priority_zero = v.priority_zero;
    std::vector<const Source*> current;
    for (const auto& [address, s] : v.sources) {
      if (now - s.latest > forget_after_) {
        continue;
      }
      SourceView sv = s.view;
      sv.current = Current(s, now);
      if (sv.current) {
        current.push_back(&s);
        view.this_node_master = view.this_node_master || s.view.outgoing;
      }
      view.sources.push_back(std::move(sv));
    }
    view.current_masters = static_cast<int>(current.size());
    for (size_t i = 0; i < current.size() && !view.split_brain; ++i) {
      for (size_t j = i + 1; j < current.size(); ++j) {
        const Source& a = *current[i];
        const Source& b = *current[j];
        const bool have_prev = a.prev != Clock::time_point{} && b.prev != Clock::time_point{};
        if (have_prev && a.last > b.prev && b.last > a.prev) {
          view.split_brain = true;
          break;
        }
      }
    }
    std::string master = MasterOf(v, now, &view.master_priority);
    if (!master.empty()) {
      view.master = std::move(master);
    }
    out.push_back(std::move(view));
  }
  return out;
}

std::vector<std::string> WireTracker::AdvertisedAddresses() const {
  std::lock_guard lock(mu_);
  std::set<std::string> all;
  for (const auto& [key, v] : vrids_) {
    for (const auto& [address, s] : v.sources) {
      all.insert(s.view.addresses.begin(), s.view.addresses.end());
    }
  }
  return {all.begin(), all.end()};
}

}  // namespace swarmscope::keepalived
