#include "tests/bench/cgroup_floors.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "exporters/cgroup/kept_files.h"

namespace swarmscope::bench {

using cgroup::CgroupStatsClient;
using cgroup::FileShape;
using cgroup::PreadAll;
using cgroup::ReadBuffer;
using cgroup::TaskStates;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/cgroup/v1";
const std::string kTemplateId = "aaaa111111111111111111111111111111111111111111111111111111111111";

// The files the exporter reads per controller for a v1 container (no fallbacks).
const std::vector<std::pair<std::string, std::vector<std::string>>> kFiles = {
    {"cpuacct", {"cpuacct.usage", "cpuacct.usage_user", "cpuacct.usage_sys"}},
    {"cpu", {"cpu.stat", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"}},
    {"memory",
     {"memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt",
      "memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes",
      "memory.memsw.usage_in_bytes", "memory.stat", "memory.oom_control", "cgroup.procs", "tasks"}},
    {"pids", {"pids.current", "pids.max"}},
    {"blkio", {"blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"}},
};

}  // namespace

const std::vector<std::pair<std::string, std::vector<std::string>>>& V1Files() { return kFiles; }

std::string Id(size_t i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064zx", i + 1);
  return buf;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

// A fixture-based tree on tmpfs with `n` containers. Returns its root.
std::string MakeTree(size_t n) {
  const std::string root = "/dev/shm/swarmscope-bench-" + std::to_string(n);
  fs::remove_all(root);
  fs::create_directories(root);
  fs::copy(kFixture + "/proc", root + "/proc",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  for (const auto& [controller, files] : kFiles) {
    const std::string src = kFixture + "/sys/fs/cgroup/" + controller;
    const std::string dst = root + "/sys/fs/cgroup/" + controller;
    fs::create_directories(dst);
    for (const auto& f : files) {
      if (fs::exists(src + "/" + f)) {
        fs::copy_file(src + "/" + f, dst + "/" + f);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const std::string dir = dst + "/docker/" + Id(i);
      fs::create_directories(dir);
      for (const auto& f : files) {
        const std::string from = src + "/docker/" + kTemplateId + "/" + f;
        if (fs::exists(from)) {
          fs::copy_file(from, dir + "/" + f);
        }
      }
    }
  }
  return root;
}

// Real cgroups: `n` empty container cgroups under /docker in every v1 hierarchy here.
bool MakeRealCgroups(size_t n) {
  for (const auto& [controller, files] : kFiles) {
    for (size_t i = 0; i < n; ++i) {
      std::error_code ec;
      fs::create_directories("/sys/fs/cgroup/" + controller + "/docker/" + Id(i), ec);
      if (ec) {
        return false;
      }
    }
  }
  return true;
}

void RemoveRealCgroups(size_t n) {
  for (const auto& [controller, files] : kFiles) {
    for (size_t i = 0; i < n; ++i) {
      ::rmdir(("/sys/fs/cgroup/" + controller + "/docker/" + Id(i)).c_str());
    }
  }
}

// The files the exporter reads for the root and `n` containers under `cgroup_root`.
Sweep SweepOf(const std::string& cgroup_root, const std::string& procfs, size_t n, bool netlink,
              bool fixture) {
  Sweep s;
  std::vector<std::string> dirs = {""};
  for (size_t i = 0; i < n; ++i) {
    dirs.push_back("/docker/" + Id(i));
  }
  for (const auto& d : dirs) {
    for (const auto& [controller, files] : kFiles) {
      for (const auto& f : files) {
        const std::string p = cgroup_root + "/" + controller + d + "/" + f;
        if (f == "tasks") {
          // The root has no pids.current to check cgroupstats' count against: /proc it is.
          if (netlink && !d.empty()) {
            s.cgroupstats.push_back(cgroup_root + "/" + controller + d);
            continue;
          }
          for (const auto& tid : Lines(p)) {
            const std::string stat = procfs + "/" + tid + "/task/" + tid + "/stat";
            if (fs::exists(stat)) {
              s.files.push_back(stat);
            }
          }
        }
        if (fs::exists(p)) {
          s.files.push_back(p);
        }
      }
    }
    const auto pids = Lines(cgroup_root + "/memory" + d + "/cgroup.procs");
    if (!d.empty() && !pids.empty()) {
      for (const char* f : {"/net/dev", "/io"}) {
        s.files.push_back(procfs + "/" + pids[0] + f);
      }
      s.links.push_back(procfs + "/" + pids[0] + "/ns/net");
    }
  }
  (fixture ? s.files : s.orc_only).push_back(procfs + "/1/mountinfo");
  s.files.push_back(procfs + "/1/net/dev");
  return s;
}

static void ReadWhole(int fd, char* buf, size_t size) {
  while (::read(fd, buf, size) > 0) {
  }
}

Clock::duration OpenReadCloseFloor(const Sweep& s, CgroupStatsClient& client) {
  char buf[8192];
  char link[128];
  TaskStates states;
  const auto start = Clock::now();
  for (const auto* list : {&s.files, &s.orc_only}) {
    for (const auto& p : *list) {
      const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        ReadWhole(fd, buf, sizeof(buf));
        ::close(fd);
      }
    }
  }
  for (const auto& p : s.links) {
    (void)!::readlink(p.c_str(), link, sizeof(link));
  }
  for (const auto& d : s.cgroupstats) {
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    (void)client.Query(fd, states);
    ::close(fd);
  }
  return Clock::now() - start;
}

size_t OpenDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

size_t SoftLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<size_t>(std::min<rlim_t>(limit.rlim_cur, rlim_t{1} << 24));
}

namespace {

// The pread floor: each file re-read with pread() on a descriptor opened beforehand, its
// end found as the exporter finds it; only the preads (and cgroupstats requests) are timed.
// The descriptors stay open across sweeps, as the exporter's do, unless they cannot all be
// open at once: then each sweep opens, re-reads and closes them in chunks.
class PreadFloor {
 public:
  explicit PreadFloor(const Sweep& s) : sweep_(s) {
    const size_t open_now = OpenDescriptors();
    room_ = SoftLimit() > open_now + 512 ? SoftLimit() - open_now - 256 : 64;
    kept_ = s.files.size() + s.cgroupstats.size() <= room_;
    if (kept_) {
      Open(s.files, 0, s.files.size(), false, files_);
      Open(s.cgroupstats, 0, s.cgroupstats.size(), true, dirs_);
    }
  }
  ~PreadFloor() {
    Close(files_);
    Close(dirs_);
  }
  PreadFloor(const PreadFloor&) = delete;
  PreadFloor& operator=(const PreadFloor&) = delete;

  bool all_kept() const { return kept_; }

  Clock::duration Run(CgroupStatsClient& client) {
    if (kept_) {
      return Time(files_, false, client) + Time(dirs_, true, client);
    }
    Clock::duration took{};
    for (const auto& [paths, directories] :
         {std::pair{&sweep_.files, false}, std::pair{&sweep_.cgroupstats, true}}) {
      for (size_t begin = 0; begin < paths->size(); begin += room_) {
        std::vector<int> fds;
        Open(*paths, begin, std::min(paths->size(), begin + room_), directories, fds);
        took += Time(fds, directories, client);
        Close(fds);
      }
    }
    return took;
  }

 private:
  static void Open(const std::vector<std::string>& paths, size_t begin, size_t end,
                   bool directories, std::vector<int>& fds) {
    for (size_t i = begin; i < end; ++i) {
      fds.push_back(
          ::open(paths[i].c_str(), O_RDONLY | O_CLOEXEC | (directories ? O_DIRECTORY : 0)));
    }
  }
  static void Close(std::vector<int>& fds) {
    for (int fd : fds) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    fds.clear();
  }
  Clock::duration Time(const std::vector<int>& fds, bool directories, CgroupStatsClient& client) {
    TaskStates states;
    const auto start = Clock::now();
    for (int fd : fds) {
      if (fd < 0) {
        continue;
      }
      if (directories) {
        (void)client.Query(fd, states);
      } else {
        (void)PreadAll(fd, buffer_, FileShape::kRecords);
      }
    }
    return Clock::now() - start;
  }

  const Sweep& sweep_;
  size_t room_ = 0;
  bool kept_ = false;
  std::vector<int> files_;
  std::vector<int> dirs_;
  ReadBuffer buffer_;
};

[[noreturn]] void Serve(const Sweep& s, int requests, int answers) {
  CgroupStatsClient client;
  PreadFloor floor(s);
  floor.Run(client);  // warm
  char request = 0;
  while (::read(requests, &request, 1) == 1) {
    const PreadFloorProcess::Answer a{floor.Run(client), floor.all_kept()};
    (void)!::write(answers, &a, sizeof(a));
  }
  ::_exit(0);
}

}  // namespace

PreadFloorProcess::PreadFloorProcess(const Sweep& s) {
  int to_child[2];
  int from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    Serve(s, to_child[0], from_child[1]);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  requests_ = to_child[1];
  answers_ = from_child[0];
}

PreadFloorProcess::~PreadFloorProcess() {
  ::close(requests_);  // the child ends at end of file
  ::close(answers_);
  if (pid_ > 0) {
    ::waitpid(pid_, nullptr, 0);
  }
}

PreadFloorProcess::Answer PreadFloorProcess::Run() {
  Answer a;
  const char request = 's';
  if (::write(requests_, &request, 1) != 1 || ::read(answers_, &a, sizeof(a)) != sizeof(a)) {
    return Answer{};
  }
  return a;
}

}  // namespace swarmscope::bench
