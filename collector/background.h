#pragma once

// Background work for long-lived exporters: threads the core owns, stop-aware waits,
// reconnect backoff, and a backstop that reports an escaping exception and restarts the
// task instead of terminating the daemon.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <stop_token>
#include <string>
#include <thread>

struct pollfd;

namespace swarmscope {

class ErrorReporter;

/// Sleeps for `d` or until a stop is requested on `stop`. Returns false if stopped.
bool SleepFor(std::stop_token stop, std::chrono::steady_clock::duration d);

/// Lets a task block in poll() on its own descriptors (sockets, inotify, netlink) and still
/// return at once when a stop is requested: an eventfd that a stop callback signals is
/// polled with them. One per task, kept for the task's lifetime.
class StopPoller {
 public:
  explicit StopPoller(std::stop_token stop);
  ~StopPoller();
  StopPoller(const StopPoller&) = delete;
  StopPoller& operator=(const StopPoller&) = delete;

  /// Waits until one of `fds` has one of its `events`, `timeout` passes (negative: no limit)
  /// or a stop is requested; `fds[i].revents` say which. Returns false once stopped.
  /// EINTR is retried; another poll() failure throws std::system_error.
  bool Wait(std::span<struct pollfd> fds, std::chrono::milliseconds timeout);

 private:
  std::stop_token stop_;
  int event_fd_ = -1;
  std::optional<std::stop_callback<std::function<void()>>> on_stop_;
};

/// Exponential backoff for reconnect loops: `initial`, doubling up to `max`, each delay
/// with up to 20% random jitter so that many collectors do not retry in step.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds initial = std::chrono::milliseconds(500),
                   std::chrono::milliseconds max = std::chrono::seconds(30));
  /// The delay to wait now; the next one is longer.
  std::chrono::milliseconds Next();
  /// After a success: start again from `initial`.
  void Reset() { current_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds current_;
  std::minstd_rand random_;
};

/// The background tasks of one exporter. Each task is a function run on a thread of its
/// own, given a stop token; it should return soon after a stop is requested (wait with
/// SleepFor or a std::condition_variable_any taking the token, and hand the token's state
/// to blocking calls that can be cancelled).
///
/// A task that throws is reported (`swarmscope_collector_errors_total{cause="exception"}`
/// and a log line) and run again after a backoff; a task that returns is done.
class Tasks {
 public:
  Tasks(std::string collector, ErrorReporter& errors);
  /// Requests a stop and joins every task.
  ~Tasks();
  Tasks(const Tasks&) = delete;
  Tasks& operator=(const Tasks&) = delete;

  /// Starts `body` on a new thread. Thread-safe (a task may spawn further tasks).
  void Spawn(std::string name, std::function<void(std::stop_token)> body);
  /// Asks every task to stop; does not wait.
  void RequestStop();
  /// Waits until every task has ended, or `deadline`; false if some still run.
  bool WaitStopped(std::chrono::steady_clock::time_point deadline);
  /// Tasks that threw and were restarted so far.
  uint64_t restarts() const;

 private:
  void Run(const std::string& name, const std::function<void(std::stop_token)>& body);

  std::string collector_;
  ErrorReporter& errors_;
  std::stop_source stop_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  int running_ = 0;
  uint64_t restarts_ = 0;
  std::list<std::thread> threads_;
};

}  // namespace swarmscope
