#pragma once

// What the tests of the per-daemon counters share: the outputs captured from a real Pacific
// cluster (tests/fixtures/ceph/pacific, asok/), reading an exposition, and fake daemons: real
// AF_UNIX listeners that speak the admin socket protocol with canned replies.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/exposition_parser.h"

namespace swarmscope::ceph::testing {

inline std::string Pacific(const std::string& name) {
  const std::string path =
      std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/ceph/pacific/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline swarmscope::testing::Exposition Parse(const std::string& text) {
  std::string error;
  auto e = swarmscope::testing::ParseExposition(text, &error);
  if (!e) {
    ADD_FAILURE() << error << "\n" << text.substr(0, 2000);
    return {};
  }
  return *e;
}

inline double ValueOf(const swarmscope::testing::Exposition& e, std::string_view name,
                      const std::string& daemon) {
  const auto* s = swarmscope::testing::FindSample(e, name, {{"ceph_daemon", daemon}});
  if (s == nullptr) {
    ADD_FAILURE() << "no " << name << "{ceph_daemon=\"" << daemon << "\"}";
    return -1;
  }
  return s->value;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/swarmscope-asok-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline int Listen(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 8) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on " + path);
  }
  return fd;
}

// A stale socket file: bound once, nobody listening any more.
inline void MakeStaleSocket(const std::string& path) { ::close(Listen(path)); }

// What a daemon does with one command: answer these bytes (the length prefix is added
// unless `raw`), or keep the connection open without a word (a hung admin socket thread).
struct Reply {
  std::string bytes;
  bool hang = false;
  bool raw = false;
};

// A daemon's admin socket: accepts one connection at a time, as Ceph's does, reads the
// command up to its NUL and answers with what `handler` says.
class FakeDaemon {
 public:
  using Handler = std::function<Reply(const std::string& command)>;
  FakeDaemon(std::string path, Handler handler)
      : path_(std::move(path)), handler_(std::move(handler)), fd_(Listen(path_)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeDaemon() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }
  size_t Count(std::string_view prefix) const {
    size_t n = 0;
    for (const auto& c : commands()) {
      n += c.find("\"prefix\":\"" + std::string(prefix) + "\"") != std::string::npos ? 1 : 0;
    }
    return n;
  }

 private:
  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  }
  void Run() {
    while (WaitReadable(fd_)) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        continue;
      }
      std::string command;
      char ch;
      while (WaitReadable(c) && ::read(c, &ch, 1) == 1 && ch != '\0') {
        command += ch;
      }
      {
        std::lock_guard lock(mu_);
        commands_.push_back(command);
      }
      const Reply r = handler_(command);
      if (!r.hang || !r.bytes.empty()) {
        std::string out;
        if (!r.raw) {
          const uint32_t n = static_cast<uint32_t>(r.bytes.size());
          out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                 static_cast<char>(n)};
        }
        out += r.bytes;
        size_t off = 0;
        while (off < out.size()) {
          const ssize_t w = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
          if (w <= 0) {
            break;
          }
          off += static_cast<size_t>(w);
        }
      }
      while (r.hang && !stop_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ::close(c);
    }
  }

  std::string path_;
  Handler handler_;
  int fd_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::thread thread_;
};

inline Reply Answer(std::string s) { return {std::move(s), false, false}; }

}  // namespace swarmscope::ceph::testing
