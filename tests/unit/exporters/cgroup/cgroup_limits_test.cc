// Resource limits (container_spec_*, container_threads_max) are read when a cgroup is first
// seen, again at once when the inventory says the container was `docker update`d, and
// otherwise only after --cgroup.limits-refresh-interval; their files are never kept open.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/unit/exporters/cgroup/cgroup_test_util.h"

namespace swarmscope::cgroup {
namespace {

namespace fs = std::filesystem;

using CgroupLimits = FixtureCopyTest;

const std::string kBLimit = "sys/fs/cgroup/memory/docker/" + kB + "/memory.limit_in_bytes";
const std::string kBPidsMax = "sys/fs/cgroup/pids/docker/" + kB + "/pids.max";

double Of(Scraper& h, const std::string& name, const std::string& id) {
  return Value(Parse(h.Scrape().first), name, {{"id", "/docker/" + id}});
}

// A `docker update` as the docker exporter publishes it.
void Updated(ContainerInventory& inventory, const std::string& id, uint64_t updates) {
  ContainerInfo info;
  info.id = id;
  info.name = "updated";
  info.updates = updates;
  inventory.Upsert(info);
}

TEST_F(CgroupLimits, ReadAgainAtOnceAfterADockerUpdate) {
  Copy("v1");
  Scraper h(root_, {"--cgroup.limits-refresh-interval=1h"});
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 268435456);
  EXPECT_EQ(Of(h, "container_threads_max", kB), 100);

  Write(kBLimit, "536870912\n");
  Write(kBPidsMax, "200\n");
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 268435456) << "not read every scrape";
  // Another container's update leaves this one's cached.
  Updated(h.inventory(), kA, 1);
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 268435456);

  Updated(h.inventory(), kB, 1);
  auto e = Parse(h.Scrape().first);
  EXPECT_EQ(Value(e, "container_spec_memory_limit_bytes", {{"id", "/docker/" + kB}}), 536870912);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", "/docker/" + kB}}), 200);
  // Everything else read every scrape is still there.
  EXPECT_EQ(Value(e, "container_memory_usage_bytes", {{"id", "/docker/" + kB}}), 26734592);
  EXPECT_EQ(Value(e, "container_spec_cpu_shares", {{"id", "/docker/" + kB}}), 512);

  // A limit file that goes is no data after the next update, not the old value.
  fs::remove(root_ + "/" + kBLimit);
  Updated(h.inventory(), kB, 2);
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), -1);
}

TEST_F(CgroupLimits, ReadAgainAfterTheIntervalWithoutAnUpdate) {
  Copy("v1");
  Scraper h(root_, {"--cgroup.limits-refresh-interval=200ms"});
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 268435456);
  const auto written = std::chrono::steady_clock::now();
  Write(kBLimit, "536870912\n");
  const double soon = Of(h, "container_spec_memory_limit_bytes", kB);
  if (std::chrono::steady_clock::now() - written < std::chrono::milliseconds(150)) {
    EXPECT_EQ(soon, 268435456) << "read again before the interval";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  // Due cgroups are spread over scrapes, but a scrape gap as long as the interval lets every
  // one of them be read in that scrape.
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 536870912);
}

TEST_F(CgroupLimits, ZeroIntervalReadsThemEveryScrape) {
  Copy("v1");
  Scraper h(root_, {"--cgroup.limits-refresh-interval=0s"});
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 268435456);
  Write(kBLimit, "536870912\n");
  EXPECT_EQ(Of(h, "container_spec_memory_limit_bytes", kB), 536870912);
}

TEST_F(CgroupLimits, V2LimitsFollowUpdates) {
  Copy("v2-systemd");
  Scraper h(root_, {"--cgroup.limits-refresh-interval=1h"});
  const std::string id = "/system.slice/docker-" + kC + ".scope";
  const std::string dir = "sys/fs/cgroup" + id + "/";
  auto limit = [&] {
    return Value(Parse(h.Scrape().first), "container_spec_memory_limit_bytes", {{"id", id}});
  };
  EXPECT_EQ(limit(), 0);
  Write(dir + "cpu.max", "25000 100000\n");
  Write(dir + "memory.max", "1073741824\n");
  EXPECT_EQ(limit(), 0);
  Updated(h.inventory(), kC, 1);
  auto e = Parse(h.Scrape().first);
  EXPECT_EQ(Value(e, "container_spec_cpu_quota", {{"id", id}}), 25000);
  EXPECT_EQ(Value(e, "container_spec_memory_limit_bytes", {{"id", id}}), 1073741824);
}

TEST_F(CgroupLimits, LimitFilesAreNotKeptOpen) {
  Copy("v1");
  Scraper h(root_);
  h.Scrape();
  h.Scrape();
  size_t kept = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = fs::read_symlink(e.path(), ec).string();
    if (target.find("/cgroup-copy-" + std::to_string(::getpid()) + "/") == std::string::npos) {
      continue;
    }
    ++kept;
    for (const char* limit :
         {"cfs_period_us", "cfs_quota_us", "cpu.shares", "limit_in_bytes", "pids.max"}) {
      EXPECT_EQ(target.find(limit), std::string::npos) << target;
    }
  }
  EXPECT_GT(kept, 20u) << "other files are kept open";
}

}  // namespace
}  // namespace swarmscope::cgroup
