// The cgroup exporter across scrapes (descriptors kept and closed, the layout and labels
// refreshed on change, task states re-read) and on broken input, on copies of fixture trees.

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/unit/exporters/cgroup/cgroup_test_util.h"

namespace swarmscope::cgroup {
namespace {

namespace fs = std::filesystem;
using CgroupTree = FixtureCopyTest;

size_t OpenDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

TEST_F(CgroupTree, ContainersComeAndGoAndTheirDescriptorsAreClosed) {
  Copy("v1");
  const size_t before = OpenDescriptors();
  {
    Scraper h(root_);
    auto e = Parse(h.Scrape().first);
    ASSERT_NE(testing::FindSample(e, "container_memory_usage_bytes", {{"id", "/docker/" + kB}}),
              nullptr);
    const size_t with_both = OpenDescriptors();
    EXPECT_GT(with_both, before + 40);  // two containers' files stay open
    EXPECT_EQ(OpenDescriptors(), with_both);
    h.Scrape();
    EXPECT_EQ(OpenDescriptors(), with_both) << "a second scrape opens nothing new";

    // The second container stops: its cgroup directories go.
    for (const char* c : {"cpu", "cpuacct", "memory", "blkio", "pids"}) {
      fs::remove_all(root_ + "/sys/fs/cgroup/" + c + "/docker/" + kB);
    }
    e = Parse(h.Scrape().first);
    EXPECT_EQ(testing::FindSample(e, "container_memory_usage_bytes", {{"id", "/docker/" + kB}}),
              nullptr);
    EXPECT_NE(testing::FindSample(e, "container_memory_usage_bytes", {{"id", "/docker/" + kA}}),
              nullptr);
    const size_t with_one = OpenDescriptors();
    EXPECT_LT(with_one, with_both - 15);

    // A new container appears.
    const std::string d = "dddd444444444444444444444444444444444444444444444444444444444444";
    for (const char* c : {"cpu", "cpuacct", "memory", "blkio", "pids"}) {
      fs::copy(root_ + "/sys/fs/cgroup/" + c + "/docker/" + kA,
               root_ + "/sys/fs/cgroup/" + c + "/docker/" + d, fs::copy_options::recursive);
    }
    e = Parse(h.Scrape().first);
    EXPECT_NE(testing::FindSample(e, "container_memory_usage_bytes", {{"id", "/docker/" + d}}),
              nullptr);
  }
  EXPECT_EQ(OpenDescriptors(), before) << "the exporter closes what it kept";
}

// Out of descriptors (a hard limit far below what the files need): every file is still
// read, with open/read/close past the budget, and the output is the same. Returns an exit
// code: 0 when it is.
int ScrapeWithFewDescriptors() {
  rlimit low{};
  low.rlim_cur = low.rlim_max = 72;  // the budget keeps 36 of the ~60 files of the v1 tree
  if (::setrlimit(RLIMIT_NOFILE, &low) != 0) {
    return 2;
  }
  Scraper h(kFixtures + "/v1");
  FillInventory(h.inventory());
  const std::string golden = ReadAll(kSource + "/tests/golden/cgroup_v1.prom");
  for (int i = 0; i < 3; ++i) {
    const auto result = h.Scrape();
    if (!result.second || Normalize(result.first) != golden) {
      return 3 + i;
    }
  }
  return 0;
}

TEST(CgroupDescriptors, PastTheLimitTheScrapeIsTheSame) {
  EXPECT_EXIT(std::exit(ScrapeWithFewDescriptors()), ::testing::ExitedWithCode(0), "");
}

TEST_F(CgroupTree, LayoutFollowsMountChanges) {
  Copy("v2-systemd");
  Scraper h(root_);
  ASSERT_TRUE(h.Scrape().second);
  // The cgroup2 mount goes away: nothing to read.
  const std::string mountinfo = ReadAll(root_ + "/proc/1/mountinfo");
  Write("proc/1/mountinfo", "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
  EXPECT_FALSE(h.Scrape().second);
  EXPECT_EQ(h.Errors("no_cgroups"), 1);
  // Mounted again: the exporter reads again.
  Write("proc/1/mountinfo", mountinfo);
  auto [out, ok] = h.Scrape();
  EXPECT_TRUE(ok);
  EXPECT_NE(testing::FindSample(Parse(out), "container_memory_rss", {{"id", "/"}}), nullptr);
}

TEST_F(CgroupTree, LabelsFollowTheInventory) {
  Copy("v1");
  Scraper h(root_);
  FillInventory(h.inventory());
  auto e = Parse(h.Scrape().first);
  EXPECT_EQ(
      testing::FindSample(e, "container_memory_rss", {{"id", "/docker/" + kA}})->labels.at("name"),
      "shop_web.1.k2j3h4g5f6d7s8a9");
  // The task is renamed; the unknown container becomes known.
  ContainerInfo web = Web();
  web.name = "shop_web.2.zzzz";
  h.inventory().Upsert(web);
  ContainerInfo b = Web();
  b.id = kB;
  b.name = "b";
  b.labels.clear();
  h.inventory().Upsert(b);
  e = Parse(h.Scrape().first);
  EXPECT_EQ(
      testing::FindSample(e, "container_memory_rss", {{"id", "/docker/" + kA}})->labels.at("name"),
      "shop_web.2.zzzz");
  EXPECT_EQ(
      testing::FindSample(e, "container_memory_rss", {{"id", "/docker/" + kB}})->labels.at("name"),
      "b");
  // Forgotten: back to the id alone.
  h.inventory().Remove(kB);
  e = Parse(h.Scrape().first);
  EXPECT_EQ(
      testing::FindSample(e, "container_memory_rss", {{"id", "/docker/" + kB}})->labels.size(), 1u);
}

// dockerd's --cgroup-parent (the tests' dockerd uses /swarmscope-test-docker): the cgroup
// path by default, and with --cgroup.id=docker exactly the output of the /docker tree.
TEST_F(CgroupTree, DockerIdsWhateverTheCgroupParent) {
  Copy("v1");
  for (const auto& controller : fs::directory_iterator(root_ + "/sys/fs/cgroup")) {
    fs::rename(controller.path() / "docker", controller.path() / "swarmscope-test-docker");
  }
  Scraper by_path(root_, {"--cgroup.parents=/swarmscope-test-docker"});
  FillInventory(by_path.inventory());
  auto e = Parse(by_path.Scrape().first);
  EXPECT_NE(
      testing::FindSample(e, "container_memory_rss", {{"id", "/swarmscope-test-docker/" + kA}}),
      nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_memory_rss", {{"id", "/docker/" + kA}}), nullptr);

  Scraper h(root_, {"--cgroup.parents=/swarmscope-test-docker", "--cgroup.id=docker"});
  FillInventory(h.inventory());
  const std::string golden = ReadAll(kSource + "/tests/golden/cgroup_v1.prom");
  EXPECT_EQ(Normalize(h.Scrape().first), golden);
  // Relabelled when the inventory changes, still in the docker form.
  ContainerInfo web = Web();
  web.name = "shop_web.2.zzzz";
  h.inventory().Upsert(web);
  e = Parse(h.Scrape().first);
  EXPECT_EQ(
      testing::FindSample(e, "container_memory_rss", {{"id", "/docker/" + kA}})->labels.at("name"),
      "shop_web.2.zzzz");
}

// A v1 host whose kernel keeps no blkio numbers (no device in the root's throttle files, as
// the test machines): the root cgroup reports the host's disks from /proc/diskstats, the
// containers are unchanged; malformed, it is reported and left out.
TEST_F(CgroupTree, RootBlockIoFromDiskstatsWithoutBlkioNumbers) {
  Copy("v1");
  const std::string before = ReadAll(kSource + "/tests/golden/cgroup_v1.prom");
  Write("proc/diskstats",
        "   8       0 vda 1200 3 9600 50 700 4 5600 60 0 100 110 0 0 0 0 0 0\n"
        "   8       1 vda1 1100 3 8800 50 650 4 5200 60 0 100 110 0 0 0 0 0 0\n"
        "   7       0 loop0 9 0 72 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
  Scraper h(root_);
  FillInventory(h.inventory());
  auto [out, ok] = h.Scrape();
  ASSERT_TRUE(ok);
  auto e = Parse(out);
  EXPECT_EQ(Value(e, "container_fs_reads_total", {{"id", "/"}, {"device", "8:0"}}), 1200);
  EXPECT_EQ(Value(e, "container_fs_writes_total", {{"id", "/"}, {"device", "8:0"}}), 700);
  EXPECT_EQ(Value(e, "container_fs_reads_bytes_total", {{"id", "/"}, {"device", "8:0"}}),
            9600.0 * 512);
  EXPECT_EQ(Value(e, "container_fs_writes_bytes_total", {{"id", "/"}, {"device", "8:0"}}),
            5600.0 * 512);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_total", {{"device", "8:1"}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_total", {{"device", "7:0"}}), nullptr);
  // Only the root: the containers have no operation counts on such a host.
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_total", {{"id", "/docker/" + kA}}), nullptr);
  // Read again from the kept descriptor.
  Write("proc/diskstats", "   8       0 vda 1300 3 9600 50 700 4 5600 60 0 100 110\n");
  e = Parse(h.Scrape().first);
  EXPECT_EQ(Value(e, "container_fs_reads_total", {{"id", "/"}, {"device", "8:0"}}), 1300);
  EXPECT_EQ(h.Errors("malformed_file"), 0);
  Write("proc/diskstats", "   8       0 vda 1300 x\n");
  e = Parse(h.Scrape().first);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_total", {{"id", "/"}}), nullptr);
  EXPECT_EQ(h.Errors("malformed_file"), 1);
  // Without the file (the fixture as captured): the golden output.
  fs::remove(root_ + "/proc/diskstats");
  EXPECT_EQ(Normalize(h.Scrape().first), before);
}

TEST_F(CgroupTree, TaskStatesCountEveryState) {
  Copy("v2-systemd");
  const std::string dir = "sys/fs/cgroup/system.slice/docker-" + kC + ".scope";
  // Seven threads: running, sleeping, disk sleep, stopped, traced, zombie, idle kernel thread.
  const char states[] = {'R', 'S', 'D', 'T', 't', 'Z', 'I'};
  std::string threads;
  for (size_t i = 0; i < std::size(states); ++i) {
    const std::string tid = std::to_string(500 + i);
    threads += tid + "\n";
    fs::create_directories(root_ + "/proc/" + tid + "/task/" + tid);
    Write("proc/" + tid + "/task/" + tid + "/stat",
          tid + " (a (b) c) " + states[i] + " 1 1 0 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 1 1 1\n");
  }
  threads += "9999\n";  // a thread that ended between the list and its stat: not counted
  Write(dir + "/cgroup.threads", threads);
  Scraper h(root_);
  auto e = Parse(h.Scrape().first);
  const std::string id = "/system.slice/docker-" + kC + ".scope";
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "running"}}), 1);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "sleeping"}}), 1);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "uninterruptible"}}), 1);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "stopped"}}), 2);
  EXPECT_EQ(testing::FindSample(e, "container_tasks_state", {{"id", id}, {"state", "iowait"}}),
            nullptr);
  EXPECT_EQ(h.Errors("malformed_file"), 0);
  // Threads change state between scrapes: re-read through the kept descriptors.
  Write("proc/500/task/500/stat", "500 (x) S 1 1\n");
  e = Parse(h.Scrape().first);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "running"}}), 0);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "sleeping"}}), 2);
  // Garbage in a stat file is reported, and that thread is left out.
  Write("proc/501/task/501/stat", "garbage");
  e = Parse(h.Scrape().first);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", id}, {"state", "sleeping"}}), 1);
  EXPECT_EQ(h.Errors("malformed_file"), 1);
}

// --- Bad input ---------------------------------------------------------------------------

class CgroupBrokenTree : public CgroupTree {
 protected:
  void SetUp() override {
    CgroupTree::SetUp();
    Copy("v2-systemd");
    id_ = "/system.slice/docker-" + kC + ".scope";
    dir_ = "sys/fs/cgroup" + id_;
  }
  void WriteFile(const std::string& file, const std::string& text) {
    Write(dir_ + "/" + file, text);
  }

  std::string id_, dir_;
};

TEST_F(CgroupBrokenTree, MalformedFilesDropTheirMetricsAndAreReported) {
  WriteFile("memory.current", "garbage\xff\n");
  WriteFile("cpu.stat", "usage_usec 12\nuser_usec\n");  // truncated mid-line
  WriteFile("memory.stat", "");                         // empty
  WriteFile("cpu.max", "50000");                        // truncated: no period
  WriteFile("cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 tot");
  WriteFile("pids.max", "18446744073709551615\n");  // u64 max is a number
  WriteFile("io.stat", "254:0 rbytes=abc\n");
  WriteFile("memory.events", "unknown_key 5\noom_kill 3\n");  // unknown keys are fine
  WriteFile("cgroup.threads", "107\nnot a tid\n");
  Scraper h(root_);
  auto [out, ok] = h.Scrape();
  EXPECT_TRUE(ok);
  auto e = Parse(out);
  EXPECT_EQ(testing::FindSample(e, "container_memory_usage_bytes", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_memory_working_set_bytes", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_cpu_usage_seconds_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_memory_rss", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_spec_cpu_period", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_pressure_cpu_waiting_seconds_total", {{"id", id_}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_bytes_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_tasks_state", {{"id", id_}}), nullptr);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", id_}}), 18446744073709551615.0);
  EXPECT_EQ(Value(e, "container_oom_events_total", {{"id", id_}}), 3);
  // The rest of the container and the other containers are still there.
  EXPECT_EQ(Value(e, "container_memory_max_usage_bytes", {{"id", id_}}),
            std::stod(ReadAll(root_ + "/" + dir_ + "/memory.peak")));
  EXPECT_EQ(h.Errors("malformed_file"), 7);
}

TEST_F(CgroupBrokenTree, MissingControllersAndFilesAreNoData) {
  for (const char* f :
       {"cpu.stat", "cpu.max", "cpu.weight", "io.stat", "memory.events", "pids.max"}) {
    fs::remove(root_ + "/" + dir_ + "/" + f);
  }
  Scraper h(root_);
  auto [out, ok] = h.Scrape();
  EXPECT_TRUE(ok);
  auto e = Parse(out);
  EXPECT_EQ(testing::FindSample(e, "container_cpu_usage_seconds_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(Value(e, "container_memory_rss", {{"id", id_}}),
            static_cast<double>(*FlatKey(ReadAll(root_ + "/" + dir_ + "/memory.stat"), "anon")));
  EXPECT_EQ(h.Errors("malformed_file"), 0);
  // A missing file is looked for again: once it is there, so are its metrics.
  WriteFile("cpu.stat", ReadAll(kFixtures + "/v2-systemd/" + dir_ + "/cpu.stat"));
  EXPECT_NE(testing::FindSample(Parse(h.Scrape().first), "container_cpu_usage_seconds_total",
                                {{"id", id_}}),
            nullptr);
}

TEST_F(CgroupBrokenTree, NoMountinfoFailsTheCollectorOnly) {
  fs::remove(root_ + "/proc/1/mountinfo");
  Scraper h(root_);
  EXPECT_FALSE(h.Scrape().second);
  EXPECT_EQ(h.Errors("mountinfo"), 1);
}

TEST_F(CgroupBrokenTree, GarbageMountinfo) {
  Write("proc/1/mountinfo", "\x01\x02 garbage\nno separator here at all x y z\n");
  Scraper h(root_);
  EXPECT_FALSE(h.Scrape().second);
  EXPECT_EQ(h.Errors("no_cgroups"), 1);
  EXPECT_EQ(h.Errors("mountinfo_malformed"), 1);
  // The same table is not reported again: it is parsed once per change.
  EXPECT_FALSE(h.Scrape().second);
  EXPECT_EQ(h.Errors("mountinfo_malformed"), 1);
  EXPECT_EQ(h.Errors("no_cgroups"), 2);
}

}  // namespace
}  // namespace swarmscope::cgroup
