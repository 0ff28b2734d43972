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
//                                  [--daemon=build/swarmscope] [--real] [--pidns]
//
// Trees: copies of a container captured from real cgroups (tests/fixtures/cgroup/v1) on
// tmpfs; with --real, also real (empty) cgroups made with mkdir under /docker in every v1
// hierarchy of this machine. With --daemon, the daemon itself is run on the 1000-container
// tree and its RSS and private (anonymous) memory read after scrapes.
//
// With --pidns (at 100 and 1000 containers of the sizes asked for): real cgroups with one
// sleeping process each, scraped by the exporter in this process (pids of cgroup.procs,
// the baseline) and then by one in a pid namespace of its own over the same /proc (as in
// a swarm service: processes found by listing /proc and reading each one's
// /proc/<pid>/cgroup once; see HostProcesses), in the same run.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "exporters/cgroup/cgroup_exporter.h"
#include "exporters/cgroup/cgroup_set.h"
#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/taskstats.h"
#include "tests/bench/cgroup_floors.h"
#include "tests/support/exporter_harness.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using swarmscope::Clock;
using swarmscope::cgroup::CgroupStatsClient;
using swarmscope::cgroup::TaskStates;
using namespace swarmscope::bench;  // NOLINT: a program's own helpers

constexpr size_t kBarContainers = 1000;
constexpr double kBarVsOpenReadClose = 0.6;
constexpr double kBarVsPread = 1.3;
constexpr double kBarPrivateMib = 12;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The exporter, run as the daemon runs it, its output buffer reused between scrapes.
struct Exporter {
  swarmscope::testing::ExporterHarness harness;
  swarmscope::MetricWriter writer;

  explicit Exporter(const std::string& root, const std::string& extra = {})
      : harness(swarmscope::cgroup::CgroupExporterSpec(), Args(root, extra)) {}

  static std::vector<std::string> Args(const std::string& root, const std::string& extra) {
    std::vector<std::string> args = {"--path.procfs=" + (root.empty() ? "/proc" : root + "/proc"),
                                     "--path.sysfs=" + (root.empty() ? "/sys" : root + "/sys")};
    if (!extra.empty()) {
      args.push_back(extra);
    }
    return args;
  }

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

bool IsLimitFile(const std::string& path) {
  using namespace swarmscope::cgroup;  // NOLINT
  const std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
  for (int id = 0; id < kFileCount; ++id) {
    if (IsLimit(static_cast<FileId>(id)) && FileName(static_cast<FileId>(id)) == name) {
      return true;
    }
  }
  return false;
}

// Which of the v1 files of a container the exporter reads every scrape, and which only
// when its limits are due (first sight, a docker update, the refresh interval).
void PrintFilesRead() {
  std::string per_scrape;
  std::string per_refresh;
  for (const auto& [controller, files] : V1Files()) {
    for (const auto& f : files) {
      (IsLimitFile(f) ? per_refresh : per_scrape) += " " + f;
    }
  }
  std::printf(
      "exporter reads per scrape (pread on kept descriptors, plus cgroupstats or the threads' "
      "/proc stat, /proc/<pid>/net/dev and io):%s\n"
      "exporter reads per refresh (open/read/close, no kept descriptor; at first sight, after a "
      "docker update, and every --cgroup.limits-refresh-interval, default 1m):%s\n"
      "both floors read all of them every sweep\n",
      per_scrape.c_str(), per_refresh.c_str());
}

// The scrape when every cgroup's limits are due (--cgroup.limits-refresh-interval=0s): the
// cost of a refresh, and what it adds on average at the default interval.
void MeasureRefresh(const std::string& label, const std::string& root, size_t n, int iterations,
                    double scrape, double floor, double pread) {
  Exporter e(root, "--cgroup.limits-refresh-interval=0s");
  size_t bytes = 0;
  e.Collect(&bytes);
  std::vector<double> all;
  for (int i = 0; i < iterations; ++i) {
    all.push_back(Ms(e.Collect(&bytes)));
  }
  const double r = Median(all);
  // Every cgroup once a minute, scraped every 15 s: a quarter of them per scrape.
  const double average = scrape + (r - scrape) * 15.0 / 60.0;
  std::printf(
      "%-7s containers=%-5zu scrape reading every limit too (refresh-interval=0s)=%8.2f ms  "
      "ratio=%.2fx  pread ratio=%.2fx; averaged at 1m refresh / 15s scrapes: %.2f ms  "
      "ratio=%.2fx  pread ratio=%.2fx\n",
      label.c_str(), n, r, r / floor, r / pread, average, average / floor, average / pread);
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
  auto exporter = std::make_unique<Exporter>(root);
  Exporter& e = *exporter;
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
    // Limit files are read with open/read/close when due: they keep none.
    const size_t limit_files =
        static_cast<size_t>(std::count_if(sweep.files.begin(), sweep.files.end(), IsLimitFile));
    const size_t wanted =
        sweep.files.size() - limit_files + sweep.cgroupstats.size() - (root.empty() ? 0 : 1);
    const double per_cgroup = static_cast<double>(wanted) / static_cast<double>(n + 1);
    const size_t budget = swarmscope::cgroup::DescriptorBudget::ForThisProcess().limit();
    std::printf(
        "%-7s descriptors held at %zu containers: %zu (%.1f per cgroup) for the %zu files "
        "and directories read every scrape; soft limit %zu, exporter budget %zu%s\n",
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
    exporter.reset();
    MeasureRefresh(label, root, n, iterations, s, f, p);
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

// A loopback port nobody listens on now (a fixed one collides with whatever runs here).
std::string FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  std::string port = "19338";
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = std::to_string(ntohs(addr.sin_port));
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return port;
}

void DaemonRss(const std::string& daemon, const std::string& root, size_t n) {
  const std::string port = FreePort();
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

// One sleeping process in each of `n` real container cgroups (every v1 hierarchy of
// V1Files()); their pids, or empty when they cannot be placed.
std::vector<pid_t> StartProcesses(size_t n) {
  std::vector<pid_t> pids;
  for (size_t i = 0; i < n; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (;;) {
        ::pause();
      }
    }
    if (pid < 0) {
      break;
    }
    pids.push_back(pid);
    for (const auto& [controller, files] : V1Files()) {
      std::ofstream procs("/sys/fs/cgroup/" + controller + "/docker/" + Id(i) + "/cgroup.procs");
      procs << pid << std::flush;
      if (!procs) {
        pids.push_back(-1);
      }
    }
  }
  if (pids.size() != n || std::count(pids.begin(), pids.end(), -1) > 0) {
    for (const pid_t pid : pids) {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    pids.clear();
  }
  return pids;
}

void StopProcesses(const std::vector<pid_t>& pids) {
  for (const pid_t pid : pids) {
    ::kill(pid, SIGKILL);
  }
  for (const pid_t pid : pids) {
    ::waitpid(pid, nullptr, 0);
  }
}

// Median scrape of the exporter on the host's /proc, after a first scrape (timed too); how
// many containers have their process in container_processes.
struct PidnsRun {
  double first = 0;
  double median = 0;
  size_t found = 0;
  size_t cgroupstats = 0;  ///< containers whose task states came from cgroupstats (iowait)
};
PidnsRun ScrapeRealTree(int iterations) {
  Exporter e("");
  PidnsRun run;
  size_t bytes = 0;
  run.first = Ms(e.Collect(&bytes));
  std::vector<double> all;
  for (int i = 0; i < iterations; ++i) {
    all.push_back(Ms(e.Collect(&bytes)));
  }
  run.median = Median(all);
  std::istringstream text{std::string(e.writer.text())};
  for (std::string line; std::getline(text, line);) {
    if (line.rfind("container_processes{id=\"/docker/", 0) == 0 && line.ends_with(" 1")) {
      ++run.found;
    }
    if (line.rfind("container_tasks_state{id=\"/docker/", 0) == 0 &&
        line.find("state=\"iowait\"") != std::string::npos) {
      ++run.cgroupstats;
    }
  }
  return run;
}

// The exporter in a grandchild, reporting through a pipe: in a pid namespace of its own
// (its parent unshared one) when `new_pidns`, else in this one. Both ways run alike (a
// fresh process, forked twice), so that only the namespace differs.
bool ScrapeInGrandchild(bool new_pidns, int iterations, PidnsRun* out) {
  int answer[2];
  if (::pipe(answer) != 0) {
    return false;
  }
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(answer[0]);
    if (new_pidns && ::unshare(CLONE_NEWPID) != 0) {
      ::_exit(2);
    }
    const pid_t init = ::fork();
    if (init == 0) {
      const PidnsRun run = ScrapeRealTree(iterations);
      const bool written = ::write(answer[1], &run, sizeof(run)) == sizeof(run);
      ::_exit(written && (::getpid() == 1) == new_pidns ? 0 : 3);
    }
    int status = 0;
    ::waitpid(init, &status, 0);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 4);
  }
  ::close(answer[1]);
  const bool got = ::read(answer[0], out, sizeof(*out)) == sizeof(*out);
  ::close(answer[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return got && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void MeasurePidns(size_t n, int iterations) {
  if (!MakeRealCgroups(n)) {
    std::printf("pidns   containers=%zu: cannot create cgroups (not root?)\n", n);
    RemoveRealCgroups(n);
    return;
  }
  const std::vector<pid_t> pids = StartProcesses(n);
  if (pids.empty()) {
    std::printf("pidns   containers=%zu: cannot place a process in every cgroup\n", n);
  } else {
    size_t host_processes = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      host_processes += std::isdigit(e.path().filename().string()[0]) != 0 ? 1 : 0;
    }
    // Kernel caches warm (the cgroups and processes are new), so that both first scrapes
    // are an exporter's first, not the kernel's.
    (void)ScrapeRealTree(1);
    PidnsRun same;
    PidnsRun other;
    if (!ScrapeInGrandchild(false, iterations, &same) ||
        !ScrapeInGrandchild(true, iterations, &other)) {
      std::printf(
          "pidns   containers=%zu: cannot scrape from a child process, or from one in a pid "
          "namespace of its own\n",
          n);
    } else {
      std::printf(
          "pidns   containers=%-5zu processes on the host=%-5zu same pid namespace "
          "(cgroup.procs): scrape=%8.2f ms (first %8.2f ms)  other pid namespace (listing "
          "/proc): scrape=%8.2f ms (first %8.2f ms)  ratio=%.2fx  first ratio=%.2fx  "
          "containers with their process found: %zu and %zu of %zu, task states from "
          "cgroupstats: %zu and %zu\n",
          n, host_processes, same.median, same.first, other.median, other.first,
          other.median / same.median, other.first / same.first, same.found, other.found, n,
          same.cgroupstats, other.cgroupstats);
    }
    StopProcesses(pids);
  }
  for (int attempt = 0; attempt < 50; ++attempt) {  // exited processes leave their cgroups
    RemoveRealCgroups(n);
    if (!fs::exists("/sys/fs/cgroup/memory/docker/" + Id(0)) &&
        !fs::exists("/sys/fs/cgroup/memory/docker/" + Id(n - 1))) {
      break;
    }
    ::usleep(20000);
  }
  std::fflush(stdout);
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
  std::vector<size_t> sizes = {100, 600, 1000, 5000};
  std::string daemon;
  bool real = false;
  bool pidns = false;
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
    if (a == "--pidns") {
      pidns = true;
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
  PrintFilesRead();
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
  }
  if (pidns) {
    for (size_t n : sizes) {
      if (n == 100 || n == kBarContainers) {
        MeasurePidns(n, iterations);
      }
    }
  }
  if (real || pidns) {
    for (const auto& [controller, files] : V1Files()) {
      ::rmdir(("/sys/fs/cgroup/" + controller + "/docker").c_str());
    }
  }
  return 0;
}
