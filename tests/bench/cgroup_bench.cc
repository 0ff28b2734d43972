// cgroup exporter cost at 100, 1000 and 5000 containers, next to two floors measured in the
// same run over the same files:
//   - open/read/close: a minimal loop that opens, reads and closes every file the exporter
//     reads (and readlinks /proc/<pid>/ns/net), as a sweep without kept descriptors must;
//   - pread: the same files re-read with pread() on descriptors kept open (what the
//     exporter does, minus everything else it does: discovery, parsing, writing).
// The files are the cgroup files, cgroup.procs, the thread list (`tasks`) and each
// thread's /proc/<tid>/task/<tid>/stat (task states from /proc; on real v1 cgroups the
// exporter asks cgroupstats over netlink instead, for all but the root, and both floors send
// the same request), /proc/<pid>/net/dev and /proc/<pid>/io of a container's process, and
// mountinfo when it is a fixture file (the exporter polls a real one rather than reading it).
// Keeping files open costs descriptors: the lines at 1000 containers say how many, and
// whether the limit let every file keep one.
//
//   build/tests/bench/cgroup_bench [--iterations=N] [--containers=100,1000,5000]
//                                  [--daemon=build/swarmscope] [--real]
//
// Trees: copies of a container captured from real cgroups (tests/fixtures/cgroup/v1) on
// tmpfs; with --real, also real (empty) cgroups made with mkdir under /docker in every v1
// hierarchy of this machine. With --daemon, the daemon itself is run on the 1000-container
// tree and its RSS and private (anonymous) memory read after scrapes.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "exporters/cgroup/cgroup_exporter.h"
#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/taskstats.h"
#include "tests/support/exporter_harness.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using swarmscope::Clock;
using swarmscope::cgroup::CgroupStatsClient;
using swarmscope::cgroup::FileShape;
using swarmscope::cgroup::PreadAll;
using swarmscope::cgroup::ReadBuffer;
using swarmscope::cgroup::TaskStates;

const std::string kFixture = std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/cgroup/v1";
const std::string kTemplateId = "aaaa111111111111111111111111111111111111111111111111111111111111";
constexpr size_t kBarContainers = 1000;
constexpr double kBarVsOpenReadClose = 0.6;
constexpr double kBarVsPread = 1.3;
constexpr double kBarPrivateMib = 12;

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

std::string Id(size_t i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064zx", i + 1);
  return buf;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

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

// What one sweep reads: files, links the open/read/close sweep resolves, and cgroup
// directories cgroupstats is asked about.
struct Sweep {
  std::vector<std::string> files;        ///< read by both floors
  std::vector<std::string> orc_only;     ///< read by the open/read/close floor alone
  std::vector<std::string> links;        ///< readlink by the open/read/close floor
  std::vector<std::string> cgroupstats;  ///< directories asked about over netlink
};

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

void ReadWhole(int fd, char* buf, size_t size) {
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

// The pread floor in a child process started before the exporter: it holds its own
// descriptors (as many as the exporter will, which together might not fit in the limit) for
// as long as the measurement lasts, and runs one sweep per request. No fork happens while
// the exporter runs (a fork would make the exporter's next writes fault, copy-on-write).
class PreadFloorProcess {
 public:
  explicit PreadFloorProcess(const Sweep& s) {
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
  ~PreadFloorProcess() {
    ::close(requests_);  // the child ends at end of file
    ::close(answers_);
    if (pid_ > 0) {
      ::waitpid(pid_, nullptr, 0);
    }
  }
  PreadFloorProcess(const PreadFloorProcess&) = delete;
  PreadFloorProcess& operator=(const PreadFloorProcess&) = delete;

  struct Answer {
    Clock::duration took{};
    bool all_kept = false;
  };
  /// One sweep, timed in the child.
  Answer Run() {
    Answer a;
    const char request = 's';
    if (::write(requests_, &request, 1) != 1 || ::read(answers_, &a, sizeof(a)) != sizeof(a)) {
      return Answer{};
    }
    return a;
  }

 private:
  [[noreturn]] static void Serve(const Sweep& s, int requests, int answers) {
    CgroupStatsClient client;
    PreadFloor floor(s);
    floor.Run(client);  // warm
    char request = 0;
    while (::read(requests, &request, 1) == 1) {
      const Answer a{floor.Run(client), floor.all_kept()};
      (void)!::write(answers, &a, sizeof(a));
    }
    ::_exit(0);
  }

  pid_t pid_ = -1;
  int requests_ = -1;
  int answers_ = -1;
};

// The exporter, run as the daemon runs it, its output buffer reused between scrapes.
struct Exporter {
  swarmscope::testing::ExporterHarness harness;
  swarmscope::MetricWriter writer;

  explicit Exporter(const std::string& root)
      : harness(swarmscope::cgroup::CgroupExporterSpec(),
                {"--path.procfs=" + (root.empty() ? "/proc" : root + "/proc"),
                 "--path.sysfs=" + (root.empty() ? "/sys" : root + "/sys")}) {}

  // One collection; returns its duration.
  Clock::duration Collect(size_t* bytes) {
    std::atomic<bool> cancelled{false};
    swarmscope::ScrapeContext ctx(Clock::now() + std::chrono::seconds(60), cancelled,
                                  harness.self().ErrorsFor("cgroup"));
    writer.Reset();
    auto& exporter = harness.exporter();
    const auto start = Clock::now();
    exporter.Collect(ctx, writer);
    const auto took = Clock::now() - start;
    *bytes = writer.text().size();
    return took;
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Bar(const std::string& what, bool met) {
  std::printf("bar %s: %s\n", what.c_str(), met ? "met" : "NOT met");
}

bool NetlinkWorksOn(const std::string& dir) {
  CgroupStatsClient client;
  TaskStates states;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool ok = client.Query(fd, states) == CgroupStatsClient::Result::kOk;
  ::close(fd);
  return ok;
}

void Measure(const std::string& label, const std::string& root, size_t n, int iterations) {
  const std::string cgroups = (root.empty() ? "/sys" : root + "/sys") + std::string("/fs/cgroup");
  const std::string procfs = root.empty() ? "/proc" : root + "/proc";
  const bool netlink = NetlinkWorksOn(cgroups + "/memory");
  const Sweep sweep = SweepOf(cgroups, procfs, n, netlink, !root.empty());
  CgroupStatsClient client;
  // The three are measured in turn, round after round; the pread floor in a process of its
  // own, started first (see PreadFloorProcess).
  std::vector<double> scrape, orc, pread;
  bool pread_kept = true;
  PreadFloorProcess floor(sweep);
  const size_t fds_before = OpenDescriptors();
  Exporter e(root);
  size_t bytes = 0;
  e.Collect(&bytes);  // warm: a running daemon has scraped before (and opened its files)
  const size_t held = OpenDescriptors() - fds_before;
  OpenReadCloseFloor(sweep, client);
  for (int i = 0; i < iterations; ++i) {
    orc.push_back(Ms(OpenReadCloseFloor(sweep, client)));
    const auto answer = floor.Run();
    pread.push_back(Ms(answer.took));
    pread_kept = pread_kept && answer.all_kept;
    scrape.push_back(Ms(e.Collect(&bytes)));
  }
  const double s = Median(scrape);
  const double f = Median(orc);
  const double p = Median(pread);
  std::printf(
      "%-7s containers=%-5zu files=%-6zu scrape=%8.2f ms  floor=%8.2f ms  ratio=%.2fx  "
      "pread-floor=%8.2f ms  "
      "ratio=%.2fx  per-container=%6.1f us  bytes=%zu%s\n",
      label.c_str(), n, sweep.files.size() + sweep.orc_only.size(), s, f, s / f, p, s / p,
      s * 1000.0 / static_cast<double>(n + 1), bytes,
      netlink ? "  (task states: cgroupstats)" : "");
  if (!pread_kept) {
    std::printf(
        "%-7s containers=%-5zu pread floor re-read in chunks: %zu files do not fit in the soft "
        "limit of %zu\n",
        label.c_str(), n, sweep.files.size() + sweep.cgroupstats.size(), SoftLimit());
  }
  if (n == kBarContainers) {
    // Every file read and every directory asked about is one descriptor kept, if the
    // budget allows.
    const size_t wanted = sweep.files.size() + sweep.cgroupstats.size() - (root.empty() ? 0 : 1);
    const double per_cgroup = static_cast<double>(wanted) / static_cast<double>(n + 1);
    const size_t budget = swarmscope::cgroup::DescriptorBudget::ForThisProcess().limit();
    std::printf(
        "%-7s descriptors held at %zu containers: %zu (%.1f per cgroup) for the %zu files "
        "and directories read; soft limit %zu, exporter budget %zu%s\n",
        label.c_str(), n, held, static_cast<double>(held) / static_cast<double>(n + 1), wanted,
        SoftLimit(), budget, held + 64 < wanted ? ": the rest are read with open/read/close" : "");
    if (held + 64 < wanted) {
      std::printf(
          "%-7s every file keeps its descriptor up to about %.0f containers at this limit\n",
          label.c_str(), static_cast<double>(budget) / per_cgroup - 1);
    }
    char what[128];
    std::snprintf(what, sizeof(what),
                  "%s full scrape <= %.1fx the open/read/close floor at %zu containers",
                  label.c_str(), kBarVsOpenReadClose, n);
    Bar(what, s <= kBarVsOpenReadClose * f);
    std::snprintf(what, sizeof(what), "%s full scrape <= %.1fx the pread floor at %zu containers",
                  label.c_str(), kBarVsPread, n);
    Bar(what, s <= kBarVsPread * p);
  }
  std::fflush(stdout);
}

long StatusKib(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) {
      return std::stol(line.substr(std::string(field).size()));
    }
  }
  return -1;
}

void DaemonRss(const std::string& daemon, const std::string& root, size_t n) {
  const std::string port = "19338";
  std::vector<std::string> args = {daemon, "--web.listen-address=127.0.0.1:" + port,
                                   "--log.level=error", "--path.procfs=" + root + "/proc",
                                   "--path.sysfs=" + root + "/sys"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, daemon.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    std::printf("daemon: cannot start %s\n", daemon.c_str());
    return;
  }
  const std::string curl =
      "curl -sf --compressed -o /dev/null -w '%{size_download}' http://127.0.0.1:" + port +
      "/metrics";
  std::string gz;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::FILE* p = ::popen(curl.c_str(), "r");
    char buf[64] = {};
    const size_t got = std::fread(buf, 1, sizeof(buf) - 1, p);
    if (::pclose(p) == 0 && got > 0) {
      gz = buf;
      break;
    }
    ::usleep(50000);
  }
  for (int i = 0; i < 10; ++i) {
    (void)!std::system((curl + " > /dev/null").c_str());
  }
  const double rss = static_cast<double>(StatusKib(pid, "VmRSS:")) / 1024.0;
  const double peak = static_cast<double>(StatusKib(pid, "VmHWM:")) / 1024.0;
  const double anon = static_cast<double>(StatusKib(pid, "RssAnon:")) / 1024.0;
  std::printf(
      "daemon  containers=%-5zu after 10 scrapes: RSS=%.1f MiB (peak %.1f MiB), private "
      "(RssAnon)=%.1f MiB, "
      "gzip body=%s bytes\n",
      n, rss, peak, anon, gz.c_str());
  char what[96];
  std::snprintf(what, sizeof(what), "private memory at %zu containers <= %.0f MiB", n,
                kBarPrivateMib);
  Bar(what, anon >= 0 && anon <= kBarPrivateMib);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

// Descriptors are what keeping files open costs: the exporter raises its soft limit to the
// hard one. Docker gives a container a hard limit of 524288 or more; this process may have
// been started with less, so raise the hard limit too when allowed (as `ulimit -Hn` would).
void RaiseHardLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  const rlim_t before = limit.rlim_max;
  rlim_t wanted = 1 << 20;
  std::ifstream nr_open("/proc/sys/fs/nr_open");
  nr_open >> wanted;
  if (limit.rlim_max >= wanted) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    return;
  }
  rlimit raised{wanted, wanted};
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
    std::printf("bench: RLIMIT_NOFILE hard limit raised from %llu to %llu (fs.nr_open)\n",
                static_cast<unsigned long long>(before), static_cast<unsigned long long>(wanted));
  } else {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);  // the soft limit up to the hard one, as the exporter does
    std::printf("bench: RLIMIT_NOFILE hard limit stays %llu (raising it needs CAP_SYS_RESOURCE)\n",
                static_cast<unsigned long long>(before));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 7;
  std::vector<size_t> sizes = {100, 1000, 5000};
  std::string daemon;
  bool real = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--iterations=", 0) == 0) {
      iterations = std::max(1, std::stoi(a.substr(13)));
    }
    if (a.rfind("--daemon=", 0) == 0) {
      daemon = a.substr(9);
    }
    if (a == "--real") {
      real = true;
    }
    if (a.rfind("--containers=", 0) == 0) {
      sizes.clear();
      std::stringstream list(a.substr(13));
      std::string item;
      while (std::getline(list, item, ',')) {
        sizes.push_back(std::stoul(item));
      }
    }
  }
  RaiseHardLimit();
  std::printf(
      "cgroup exporter: median of %d scrapes vs the open/read/close floor and the pread floor "
      "(the same files)\n",
      iterations);
  for (size_t n : sizes) {
    const std::string root = MakeTree(n);
    Measure("tmpfs", root, n, iterations);
    if (!daemon.empty() && n == kBarContainers) {
      DaemonRss(daemon, root, n);
    }
    fs::remove_all(root);
  }
  if (real) {
    for (size_t n : sizes) {
      if (!MakeRealCgroups(n)) {
        std::printf("real    containers=%zu: cannot create cgroups (not root?)\n", n);
        RemoveRealCgroups(n);
        continue;
      }
      Measure("real", "", n, iterations);
      RemoveRealCgroups(n);
    }
    for (const auto& [controller, files] : kFiles) {
      ::rmdir(("/sys/fs/cgroup/" + controller + "/docker").c_str());
    }
  }
  return 0;
}
