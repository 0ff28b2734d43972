#pragma once

// The IPv4 addresses on this network namespace's interfaces, kept current from rtnetlink:
// one RTM_GETADDR dump, then RTM_NEWADDR / RTM_DELADDR events (RTMGRP_IPV4_IFADDR). When
// the kernel drops events (ENOBUFS: the socket's buffer overflowed) the picture is rebuilt
// from a new dump, so it is never silently wrong. No privilege is needed.

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

namespace swarmscope::keepalived {

struct LocalAddress {
  std::string interface;
  int prefix = 32;
  std::chrono::system_clock::time_point since;  ///< when it was seen appear (or the dump)
};

class AddressWatcher {
 public:
  AddressWatcher() = default;
  ~AddressWatcher();
  AddressWatcher(const AddressWatcher&) = delete;
  AddressWatcher& operator=(const AddressWatcher&) = delete;

  /// Opens the netlink socket and reads the first dump; throws std::system_error.
  void Open();
  /// Follows the events until `stop`. Throws std::system_error on a socket failure (the
  /// task backstop reopens after a backoff).
  void Run(std::stop_token stop);

  /// Every IPv4 address now, "198.51.100.100" -> where. Thread-safe.
  std::multimap<std::string, LocalAddress> Snapshot() const;
  /// Completed dumps (1 after Open; more after ENOBUFS).
  uint64_t dumps() const;
  /// True once the first dump is complete.
  bool ready() const;

 private:
  void RequestDump();
  // Reads what is queued; returns false when the socket would block.
  bool ReadOnce();
  void Apply(const void* message, bool add);
  static void ApplyEvent(std::multimap<std::string, LocalAddress>& map, const std::string& address,
                         const LocalAddress& local, bool add);

  int fd_ = -1;
  uint32_t dump_seq_ = 0;
  bool dumping_ = false;
  std::multimap<std::string, LocalAddress> building_;  // during a dump (reader thread only)
  struct Event {
    std::string address;
    LocalAddress local;
    bool add;
  };
  std::vector<Event> during_dump_;  // events that arrived during the dump (reader only)
  mutable std::mutex mu_;
  std::multimap<std::string, LocalAddress> addresses_;
  uint64_t dumps_ = 0;
  bool ready_ = false;
};

}  // namespace swarmscope::keepalived
