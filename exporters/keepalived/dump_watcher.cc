#include "exporters/keepalived/dump_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "collector/background.h"

namespace swarmscope::keepalived {
namespace {

constexpr const char* kNames[] = {"keepalived.data", "keepalived.stats", "keepalived.json"};
constexpr int64_t kMaxBytes = 16 << 20;  // a dump of hundreds of instances is well below
// A file changed without an inotify event is read once it has been left alone this long.
constexpr auto kSettle = std::chrono::milliseconds(200);
constexpr auto kLookEvery = std::chrono::seconds(1);

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

std::chrono::system_clock::time_point Wall(int64_t ns) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(ns)));
}

}  // namespace

DumpWatcher::DumpWatcher(std::string dir, ErrorReporter& errors)
    : dir_(std::move(dir)), errors_(errors) {}

DumpWatcher::~DumpWatcher() = default;

DumpFiles DumpWatcher::Snapshot() const {
  std::lock_guard lock(mu_);
  return files_;
}

bool DumpWatcher::Read(Kind kind, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) {
      errors_.Report("dump_unreadable", "cannot open a keepalived dump",
                     {{"path", path}, {"error", std::strerror(errno)}});
    }
    return false;
  }
  struct stat before {
  }, after{};
  std::string text;
  bool ok = ::fstat(fd, &before) == 0 && S_ISREG(before.st_mode) && before.st_size <= kMaxBytes;
  if (ok) {
    text.resize(static_cast<size_t>(before.st_size) + 1);
    size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        ok = n == 0;
        break;
      }
      got += static_cast<size_t>(n);
    }
    text.resize(got);
    ok = ok && ::fstat(fd, &after) == 0 && after.st_size == before.st_size &&
         MtimeNs(after) == MtimeNs(before) && static_cast<int64_t>(got) == before.st_size;
  }
  ::close(fd);
  tried_[kind] = {static_cast<int64_t>(before.st_size), MtimeNs(before)};
  if (!ok) {
    // Being written while read (or too big): the next IN_CLOSE_WRITE or look reads it again.
    tried_[kind] = {};
    return false;
  }
  const auto time = Wall(MtimeNs(before));
  try {
    // Parsed outside the lock; the good copy replaces the last one in one step.
    const auto keep = [&](auto parsed, auto& slot, auto& slot_time) {
      std::lock_guard lock(mu_);
      slot = std::move(parsed);
      slot_time = time;
    };
    switch (kind) {
      case kData:
        keep(ParseDataDump(text), files_.data, files_.data_time);
        break;
      case kStats:
        keep(ParseStatsDump(text), files_.stats, files_.stats_time);
        break;
      case kJson:
        keep(ParseJsonDump(text), files_.json, files_.json_time);
        break;
    }
  } catch (const std::invalid_argument& e) {
    errors_.Report("malformed_dump", "a keepalived dump did not parse (the last good one is kept)",
                   {{"path", path}, {"error", e.what()}});
    return false;
  }
  return true;
}

void DumpWatcher::Check(Kind kind, bool settled_only) {
  const std::string path = dir_ + "/" + kNames[kind];
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return;
  }
  if (tried_[kind].size == st.st_size && tried_[kind].mtime_ns == MtimeNs(st)) {
    return;  // read (or tried) as it is now
  }
  if (settled_only) {
    const auto age = std::chrono::system_clock::now() - Wall(MtimeNs(st));
    if (age < kSettle) {
      return;  // perhaps still being written: look again later
    }
  }
  Read(kind, path);
}

void DumpWatcher::CheckAll(bool settled_only) {
  for (Kind k : {kData, kStats, kJson}) {
    Check(k, settled_only);
  }
}

void DumpWatcher::Run(std::stop_token stop) {
  StopPoller poller(stop);
  const int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) {
    throw std::system_error(errno, std::generic_category(), "inotify_init1");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{in};
  int watch = -1;
  auto next_look = std::chrono::steady_clock::now();
  alignas(inotify_event) std::array<char, 4096> buffer{};
  while (!stop.stop_requested()) {
    if (watch < 0) {
      // The directory may appear later (keepalived starts after us) or be replaced.
      watch = ::inotify_add_watch(in, dir_.c_str(),
                                  IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_look) {
      CheckAll(true);
      next_look = now + kLookEvery;
    }
    pollfd p{in, POLLIN, 0};
    if (!poller.Wait({&p, 1}, kLookEvery)) {
      return;
    }
    while (true) {
      const ssize_t n = ::read(in, buffer.data(), buffer.size());
      if (n <= 0) {
        break;
      }
      for (ssize_t off = 0; off < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(buffer.data() + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
        if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
          watch = -1;
          continue;
        }
        if (!(e->mask & IN_CLOSE_WRITE) || e->len == 0) {
          continue;  // IN_MOVED_TO: 2.2.7's empty file; the close follows
        }
        const std::string name = e->name;
        for (Kind k : {kData, kStats, kJson}) {
          if (name == kNames[k]) {
            Check(k, false);
          }
        }
      }
    }
  }
}

}  // namespace swarmscope::keepalived
