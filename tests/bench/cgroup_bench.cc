// cgroup exporter cost at 100, 1000 and 5000 containers, next to the floor measured in the
// same run: a minimal loop that opens, reads and closes the same files and does nothing else.
//
//   build/tests/bench/cgroup_bench [--iterations=N] [--containers=100,1000,5000]
//                                  [--daemon=build/swarmscope] [--real]
//
// Trees: copies of a container captured from real cgroups (tests/fixtures/cgroup/v1) on
// tmpfs; with --real, also real (empty) cgroups made with mkdir under /docker in every v1
// hierarchy of this machine. With --daemon, the daemon itself is run on the 1000-container
// tree and its RSS read after scrapes.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "collector/config.h"
#include "collector/container_inventory.h"
#include "collector/self_metrics.h"
#include "exporters/cgroup/cgroup_exporter.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using swarmscope::Clock;

const std::string kFixture = std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/cgroup/v1";
const std::string kTemplateId = "aaaa111111111111111111111111111111111111111111111111111111111111";
// The files the exporter reads per controller for a v1 container (no fallbacks).
const std::vector<std::pair<std::string, std::vector<std::string>>> kFiles = {
    {"cpuacct", {"cpuacct.usage", "cpuacct.usage_user", "cpuacct.usage_sys"}},
    {"cpu", {"cpu.stat", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"}},
    {"memory",
     {"memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt", "memory.limit_in_bytes",
      "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes",
      "memory.stat", "memory.oom_control", "cgroup.procs"}},
    {"pids", {"pids.current", "pids.max"}},
    {"blkio", {"blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"}},
};

std::string Id(size_t i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064zx", i + 1);
  return buf;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A fixture-based tree on tmpfs with `n` containers. Returns its root.
std::string MakeTree(size_t n) {
  const std::string root = "/dev/shm/swarmscope-bench-" + std::to_string(n);
  fs::remove_all(root);
  fs::create_directories(root);
  fs::copy(kFixture + "/proc", root + "/proc", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  for (const auto& [controller, files] : kFiles) {
    const std::string src = kFixture + "/sys/fs/cgroup/" + controller;
    const std::string dst = root + "/sys/fs/cgroup/" + controller;
    fs::create_directories(dst);
    for (const auto& f : files) {
      if (fs::exists(src + "/" + f)) fs::copy_file(src + "/" + f, dst + "/" + f);
    }
    for (size_t i = 0; i < n; ++i) {
      const std::string dir = dst + "/docker/" + Id(i);
      fs::create_directories(dir);
      for (const auto& f : files) {
        const std::string from = src + "/docker/" + kTemplateId + "/" + f;
        if (fs::exists(from)) fs::copy_file(from, dir + "/" + f);
      }
    }
  }
  return root;
}

// Real cgroups: `n` empty container cgroups under /docker in every v1 hierarchy here.
bool MakeRealCgroups(size_t n) {
  for (const auto& [controller, files] : kFiles) {
    for (size_t i = 0; i < n; ++i) {
      const std::string dir = "/sys/fs/cgroup/" + controller + "/docker/" + Id(i);
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return false;
    }
  }
  return true;
}

void RemoveRealCgroups(size_t n) {
  for (const auto& [controller, files] : kFiles) {
    for (size_t i = 0; i < n; ++i) ::rmdir(("/sys/fs/cgroup/" + controller + "/docker/" + Id(i)).c_str());
  }
}

// The paths the exporter reads for the root and `n` containers under `cgroup_root`, with
// the /proc files of a container's process when it has one.
std::vector<std::string> FloorPaths(const std::string& cgroup_root, const std::string& procfs, size_t n) {
  std::vector<std::string> paths;
  std::vector<std::string> dirs = {""};
  for (size_t i = 0; i < n; ++i) dirs.push_back("/docker/" + Id(i));
  for (const auto& d : dirs) {
    for (const auto& [controller, files] : kFiles) {
      for (const auto& f : files) {
        const std::string p = cgroup_root + "/" + controller + d + "/" + f;
        if (fs::exists(p)) paths.push_back(p);
      }
    }
    std::ifstream procs(cgroup_root + "/memory" + d + "/cgroup.procs");
    std::string pid;
    if (!d.empty() && std::getline(procs, pid) && !pid.empty()) {
      for (const char* f : {"/net/dev", "/io", "/ns/net"}) paths.push_back(procfs + "/" + pid + f);
    }
  }
  paths.push_back(procfs + "/1/mountinfo");
  paths.push_back(procfs + "/1/net/dev");
  return paths;
}

Clock::duration Floor(const std::vector<std::string>& paths) {
  char buf[8192];
  char link[128];
  const auto start = Clock::now();
  for (const auto& p : paths) {
    if (p.size() > 7 && p.compare(p.size() - 7, 7, "/ns/net") == 0) {
      (void)!::readlink(p.c_str(), link, sizeof(link));
      continue;
    }
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    while (::read(fd, buf, sizeof(buf)) > 0) {
    }
    ::close(fd);
  }
  return Clock::now() - start;
}

struct Exporter {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  swarmscope::Logger log{swarmscope::LogLevel::kError, swarmscope::LogFormat::kLogfmt, devnull};
  swarmscope::SelfMetrics self{log};
  swarmscope::ContainerInventory inventory;
  swarmscope::ParseOutcome parsed;
  std::unique_ptr<swarmscope::Exporter> exporter;
  swarmscope::MetricWriter writer;

  explicit Exporter(const std::string& root) {
    const std::vector<swarmscope::ExporterSpec> specs = {swarmscope::cgroup::CgroupExporterSpec()};
    std::vector<std::string> args = {"x", "--path.procfs=" + (root.empty() ? "/proc" : root + "/proc"),
                                     "--path.sysfs=" + (root.empty() ? "/sys" : root + "/sys")};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    const char* envp[] = {nullptr};
    parsed = swarmscope::ParseCommandLine(static_cast<int>(argv.size()), argv.data(), envp,
                                          swarmscope::FlagsOf(specs));
    swarmscope::ExporterDeps deps{parsed.config, log, inventory, self.registry()};
    exporter = specs[0].create(deps);
  }

  // One collection as the scrape engine runs it (buffer reused); returns its duration.
  Clock::duration Collect(size_t* bytes) {
    std::atomic<bool> cancelled{false};
    swarmscope::ScrapeContext ctx(Clock::now() + std::chrono::seconds(60), cancelled, self.ErrorsFor("cgroup"));
    writer.Reset();
    const auto start = Clock::now();
    exporter->Collect(ctx, writer);
    const auto took = Clock::now() - start;
    *bytes = writer.text().size();
    return took;
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Measure(const std::string& label, const std::string& root, size_t n, int iterations) {
  Exporter e(root);
  const std::string cgroups = (root.empty() ? "/sys" : root + "/sys") + std::string("/fs/cgroup");
  const auto paths = FloorPaths(cgroups, root.empty() ? "/proc" : root + "/proc", n);
  size_t bytes = 0;
  e.Collect(&bytes);  // warm: a running daemon has scraped before
  Floor(paths);
  std::vector<double> scrape, floor;
  for (int i = 0; i < iterations; ++i) {
    floor.push_back(Ms(Floor(paths)));
    scrape.push_back(Ms(e.Collect(&bytes)));
  }
  const double s = Median(scrape);
  const double f = Median(floor);
  std::printf("%-7s containers=%-5zu files=%-6zu scrape=%8.2f ms  floor=%8.2f ms  ratio=%.2fx  "
              "per-container=%6.1f us  bytes=%zu\n",
              label.c_str(), n, paths.size(), s, f, s / f, s * 1000.0 / static_cast<double>(n + 1), bytes);
  std::fflush(stdout);
}

long RssKib(pid_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  }
  return -1;
}

void DaemonRss(const std::string& daemon, const std::string& root, size_t n) {
  const std::string port = "19338";
  std::vector<std::string> args = {daemon, "--web.listen-address=127.0.0.1:" + port, "--log.level=error",
                                   "--path.procfs=" + root + "/proc", "--path.sysfs=" + root + "/sys"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, daemon.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    std::printf("daemon: cannot start %s\n", daemon.c_str());
    return;
  }
  const std::string curl = "curl -sf --compressed -o /dev/null -w '%{size_download}' http://127.0.0.1:" + port + "/metrics";
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
  for (int i = 0; i < 10; ++i) (void)!std::system((curl + " > /dev/null").c_str());
  std::printf("daemon  containers=%-5zu RSS after 10 scrapes=%.1f MiB (peak %.1f MiB), gzip body=%s bytes; "
              "bar at 1000: <= 16 MiB\n",
              n, static_cast<double>(RssKib(pid, "VmRSS:")) / 1024.0,
              static_cast<double>(RssKib(pid, "VmHWM:")) / 1024.0, gz.c_str());
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 7;
  std::vector<size_t> sizes = {100, 1000, 5000};
  std::string daemon;
  bool real = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--iterations=", 0) == 0) iterations = std::stoi(a.substr(13));
    if (a.rfind("--daemon=", 0) == 0) daemon = a.substr(9);
    if (a == "--real") real = true;
    if (a.rfind("--containers=", 0) == 0) {
      sizes.clear();
      std::stringstream list(a.substr(13));
      std::string item;
      while (std::getline(list, item, ',')) sizes.push_back(std::stoul(item));
    }
  }
  std::printf("cgroup exporter: median of %d scrapes vs the floor (open+read+close of the same files)\n", iterations);
  for (size_t n : sizes) {
    const std::string root = MakeTree(n);
    Measure("tmpfs", root, n, iterations);
    if (!daemon.empty() && n == 1000) DaemonRss(daemon, root, n);
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
    for (const auto& [controller, files] : kFiles) ::rmdir(("/sys/fs/cgroup/" + controller + "/docker").c_str());
  }
  return 0;
}
