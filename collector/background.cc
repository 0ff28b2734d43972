#include "collector/background.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <system_error>
#include <vector>

#include "collector/exporter.h"

namespace swarmscope {

bool SleepFor(std::stop_token stop, std::chrono::steady_clock::duration d) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

StopPoller::StopPoller(std::stop_token stop) : stop_(std::move(stop)) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  on_stop_.emplace(stop_, std::function<void()>([fd = event_fd_] {
                     const uint64_t one = 1;
                     [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
                   }));
}

StopPoller::~StopPoller() {
  on_stop_.reset();  // the callback has finished before the descriptor goes
  ::close(event_fd_);
}

bool StopPoller::Wait(std::span<struct pollfd> fds, std::chrono::milliseconds timeout) {
  std::vector<struct pollfd> all(fds.begin(), fds.end());
  all.push_back({event_fd_, POLLIN, 0});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!stop_.stop_requested()) {
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    const int n = ::poll(all.data(), all.size(), wait_ms);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      fds[i].revents = all[i].revents;
    }
    return !stop_.stop_requested();
  }
  return false;
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(initial),
      max_(max),
      current_(initial),
      random_(static_cast<std::minstd_rand::result_type>(
          std::chrono::steady_clock::now().time_since_epoch().count())) {}

std::chrono::milliseconds Backoff::Next() {
  const std::chrono::milliseconds base = current_;
  current_ = std::min(current_ * 2, max_);
  const auto jitter_range = base.count() / 5;
  if (jitter_range <= 0) {
    return base;
  }
  std::uniform_int_distribution<int64_t> jitter(0, jitter_range);
  return base + std::chrono::milliseconds(jitter(random_));
}

Tasks::Tasks(std::string collector, ErrorReporter& errors)
    : collector_(std::move(collector)), errors_(errors) {}

Tasks::~Tasks() {
  RequestStop();
  std::list<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    t.join();
  }
}

void Tasks::Spawn(std::string name, std::function<void(std::stop_token)> body) {
  std::lock_guard lock(mu_);
  ++running_;
  threads_.emplace_back(
      [this, name = std::move(name), body = std::move(body)] { Run(name, body); });
}

void Tasks::RequestStop() { stop_.request_stop(); }

bool Tasks::WaitStopped(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return idle_.wait_until(lock, deadline, [&] { return running_ == 0; });
}

uint64_t Tasks::restarts() const {
  std::lock_guard lock(mu_);
  return restarts_;
}

void Tasks::Run(const std::string& name, const std::function<void(std::stop_token)>& body) {
  const std::stop_token stop = stop_.get_token();
  Backoff backoff(std::chrono::seconds(1), std::chrono::minutes(1));
  while (!stop.stop_requested()) {
    std::string error;
    try {
      body(stop);
      break;
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown exception";
    }
    // A bug, not bad input: keep the daemon up, say so, and run the task again.
    errors_.Report("exception", "a background task threw; restarting it",
                   {{"task", name}, {"error", error}});
    {
      std::lock_guard lock(mu_);
      ++restarts_;
    }
    SleepFor(stop, backoff.Next());
  }
  std::lock_guard lock(mu_);
  --running_;
  idle_.notify_all();
}

}  // namespace swarmscope
