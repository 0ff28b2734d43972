// The cgroup exporter's I/O parts: kept descriptors and their budget, the mount table
// watch (on real procfs), discovery and the reader on fixture trees, and cgroupstats over
// netlink on this machine's cgroups when the kernel answers here.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "collector/self_metrics.h"
#include "exporters/cgroup/cgroup_reader.h"
#include "exporters/cgroup/cgroup_set.h"
#include "exporters/cgroup/kept_files.h"
#include "exporters/cgroup/layout.h"
#include "exporters/cgroup/taskstats.h"

namespace swarmscope::cgroup {
namespace {

namespace fs = std::filesystem;

const std::string kFixtures = std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/cgroup";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CgroupFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cgroup-files-" + std::to_string(::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Make(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  auto PathOf(const std::string& name) {
    return [this, name](std::string& path) { path = dir_ + "/" + name; };
  }

  std::string dir_;
};

TEST_F(CgroupFiles, PreadAllReadsWholeFilesOfAnySize) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{70000}}) {
    const std::string text(size, 'x');
    const int fd = ::open(Make("f", text).c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ReadBuffer buffer;
    for (FileShape shape : {FileShape::kWhole, FileShape::kRecords, FileShape::kUntilEof}) {
      EXPECT_EQ(PreadAll(fd, buffer, shape), 0);
      EXPECT_EQ(buffer.text(), text) << size;
    }
    ::close(fd);
  }
}

TEST_F(CgroupFiles, KeptDescriptorsAreReReadAndCounted) {
  DescriptorBudget budget(10);
  FileReader reader(budget);
  ReadBuffer out;
  KeptFile f;
  Make("a", "1\n");
  ASSERT_EQ(reader.Read(f, AT_FDCWD, PathOf("a"), FileShape::kWhole, out), ReadStatus::kOk);
  EXPECT_EQ(out.text(), "1\n");
  EXPECT_GE(f.fd, 0);
  EXPECT_EQ(budget.held(), 1u);
  // Rewritten in place (as the kernel renders a cgroup file afresh): the kept descriptor
  // reads the new text.
  Make("a", "22\n");
  ASSERT_EQ(reader.Read(f, AT_FDCWD, PathOf("a"), FileShape::kWhole, out), ReadStatus::kOk);
  EXPECT_EQ(out.text(), "22\n");
  reader.Close(f);
  EXPECT_EQ(f.fd, -1);
  EXPECT_EQ(budget.held(), 0u);
  // A file that is not there is no data, and is looked for again.
  KeptFile missing;
  EXPECT_EQ(reader.Read(missing, AT_FDCWD, PathOf("b"), FileShape::kWhole, out),
            ReadStatus::kMissing);
  Make("b", "3");
  EXPECT_EQ(reader.Read(missing, AT_FDCWD, PathOf("b"), FileShape::kWhole, out), ReadStatus::kOk);
  reader.Close(missing);
}

TEST_F(CgroupFiles, PastTheBudgetFilesAreReadWithOpenReadClose) {
  DescriptorBudget budget(2);
  FileReader reader(budget);
  ReadBuffer out;
  KeptFile files[5];
  for (int i = 0; i < 5; ++i) {
    Make(std::to_string(i), std::to_string(i));
  }
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(reader.Read(files[i], AT_FDCWD, PathOf(std::to_string(i)), FileShape::kWhole, out),
                ReadStatus::kOk);
      EXPECT_EQ(out.text(), std::to_string(i));
    }
  }
  EXPECT_EQ(budget.held(), 2u);
  EXPECT_TRUE(budget.reached());
  EXPECT_EQ(reader.TakeFallbackReads(), 6u);  // three files, twice
  int kept = 0;
  for (auto& f : files) {
    kept += f.fd >= 0 ? 1 : 0;
    reader.Close(f);
  }
  EXPECT_EQ(kept, 2);
}

TEST(CgroupDescriptorBudget, RaisesTheSoftLimitToTheHardOne) {
  uint64_t before = 0;
  uint64_t after = 0;
  const DescriptorBudget budget = DescriptorBudget::ForThisProcess(&before, &after);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, limit.rlim_max);
  EXPECT_EQ(after, limit.rlim_cur);
  EXPECT_GE(after, before);
  // Room is left for the rest of the daemon.
  EXPECT_LT(budget.limit(), after);
  EXPECT_GE(budget.limit(), after * 3 / 4);
}

// A mount change is seen through poll() on the kept mountinfo, in a mount namespace of its
// own (so nothing outside the test sees the mount).
TEST(CgroupMountWatch, PollsProcfsForMountChanges) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root for a mount namespace";
  }
  EXPECT_EXIT(
      {
        const std::string dir =
            fs::path(::testing::TempDir() + "/mountwatch-" + std::to_string(::getpid()))
                .lexically_normal();
        fs::create_directories(dir + "/mnt");
        // <procfs>/1/mountinfo of this process: the watch reads "PID 1" of a fake procfs.
        fs::create_directory_symlink("/proc/" + std::to_string(::getpid()), dir + "/1");
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
          std::exit(2);
        }
        MountWatch watch(dir);
        int code = 0;
        if (watch.Check() != MountWatch::Status::kChanged || !watch.polling()) {
          code = 3;
        } else if (watch.Check() != MountWatch::Status::kUnchanged) {
          code = 4;
        } else if (::mount("tmpfs", (dir + "/mnt").c_str(), "tmpfs", 0, nullptr) != 0) {
          code = 5;
        } else if (watch.Check() != MountWatch::Status::kChanged ||
                   watch.text().find(dir + "/mnt") == std::string::npos) {
          code = 6;
        } else if (watch.Check() != MountWatch::Status::kUnchanged) {
          code = 7;
        }
        std::exit(code);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(CgroupMountWatch, ReadsAFixtureAgainAtEveryCheck) {
  const std::string dir =
      ::testing::TempDir() + "/mountwatch-fixture-" + std::to_string(::getpid());
  fs::create_directories(dir + "/1");
  std::ofstream(dir + "/1/mountinfo") << ReadAll(kFixtures + "/v1/proc/1/mountinfo");
  MountWatch watch(dir);
  EXPECT_EQ(watch.Check(), MountWatch::Status::kChanged);
  EXPECT_FALSE(watch.polling());
  EXPECT_EQ(watch.Check(), MountWatch::Status::kUnchanged);
  std::ofstream(dir + "/1/mountinfo") << "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";
  EXPECT_EQ(watch.Check(), MountWatch::Status::kChanged);
  fs::remove_all(dir);
}

class CgroupReading : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/cgroup-reading-" + std::to_string(::getpid());
    fs::remove_all(root_);
    fs::copy(kFixtures + "/v2-systemd", root_,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  void TearDown() override {
    fs::remove_all(root_);
    std::fclose(devnull_);
  }

  std::string root_;
  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  SelfMetrics self_{log_};
  std::atomic<bool> cancelled_{false};
  ScrapeContext ctx_{Clock::now() + std::chrono::seconds(10), cancelled_,
                     self_.ErrorsFor("cgroup")};
  DescriptorBudget budget_{0};  // nothing kept: every read opens, as after a container's removal
  FileReader files_{budget_};
};

TEST_F(CgroupReading, CgroupRemovedBetweenDiscoveryAndReadIsSkippedSilently) {
  const auto mounts = ParseMountInfo(ReadAll(root_ + "/proc/1/mountinfo"));
  const Layout layout = DiscoverLayout(mounts, PathMapper{root_, root_ + "/sys"});
  CgroupReader reader(layout, root_ + "/proc", files_, nullptr, HostNet{});
  CgroupSet set(files_);
  const auto& cgroups = set.Discover(layout.dir(layout.base()), {"/system.slice"});
  ASSERT_EQ(cgroups.size(), 3u);  // the root and two containers
  const std::string id =
      "/system.slice/docker-cccc333333333333333333333333333333333333333333333333333333333333.scope";
  EXPECT_EQ(cgroups[1]->path, id);
  fs::remove_all(root_ + "/sys/fs/cgroup" + id);  // the container stops right after discovery
  EXPECT_FALSE(reader.Read(*cgroups[1], ctx_));
  EXPECT_TRUE(cgroups[1]->gone);
  EXPECT_TRUE(reader.Read(*cgroups[2], ctx_));
  EXPECT_TRUE(cgroups[2]->stats.memory_usage);
  std::string text;
  self_.Serialize(text);
  EXPECT_EQ(text.find("swarmscope_collector_errors_total{"), std::string::npos);
  // The next discovery drops it.
  EXPECT_EQ(set.Discover(layout.dir(layout.base()), {"/system.slice"}).size(), 2u);
}

// A collector in a container cannot read the ns links of the host's processes: the host's
// network namespace is told by the inode of its net/dev (one per namespace in procfs; a
// hard link here). And only the root cgroup speaks for the host: a container whose
// cgroup.procs lists pid 1 (the collector's own container, seen from its own pid
// namespace) does not get pid 1's interfaces.
TEST_F(CgroupReading, HostNetworkByNetDevInodeAndPidOneSpeaksForNoContainer) {
  const std::string cccc =
      "/system.slice/docker-" + std::string(4, 'c') + std::string(60, '3') + ".scope";
  for (const char* pid : {"1", "107", "108"}) {
    fs::remove_all(root_ + "/proc/" + pid + "/ns");
  }
  std::ofstream(root_ + "/sys/fs/cgroup" + cccc + "/cgroup.procs") << "1\n";
  struct stat host {};
  ASSERT_EQ(::stat((root_ + "/proc/1/net/dev").c_str(), &host), 0);
  const HostNet host_net{"", host.st_dev, host.st_ino};
  const auto mounts = ParseMountInfo(ReadAll(root_ + "/proc/1/mountinfo"));
  const Layout layout = DiscoverLayout(mounts, PathMapper{root_, root_ + "/sys"});
  auto read_all = [&](std::vector<std::string>& with_network) {
    CgroupReader reader(layout, root_ + "/proc", files_, nullptr, host_net);
    CgroupSet set(files_);
    with_network.clear();
    for (CgroupState* c : set.Discover(layout.dir(layout.base()), {"/system.slice"})) {
      ASSERT_TRUE(reader.Read(*c, ctx_)) << c->path;
      if (!c->stats.net.empty()) {
        with_network.push_back(c->path);
      }
    }
  };
  std::vector<std::string> with_network;
  read_all(with_network);
  const std::string dddd =
      "/system.slice/docker-" + std::string(4, 'd') + std::string(60, '4') + ".scope";
  EXPECT_EQ(with_network, (std::vector<std::string>{"/", dddd}));
  // Process 108 on the host's network: its net/dev is the host's.
  fs::remove(root_ + "/proc/108/net/dev");
  fs::create_hard_link(root_ + "/proc/1/net/dev", root_ + "/proc/108/net/dev");
  read_all(with_network);
  EXPECT_EQ(with_network, (std::vector<std::string>{"/"}));
}

TEST(CgroupStats, CountsTheTasksOfARealV1Cgroup) {
  const auto mounts = ParseMountInfo(ReadAll("/proc/self/mountinfo"));
  const Layout layout = DiscoverLayout(mounts, PathMapper{});
  CgroupStatsClient client;
  if (!layout.has(Hierarchy::kMemory) || !client.Available()) {
    GTEST_SKIP() << "no cgroup v1 memory hierarchy, or no cgroupstats in this network namespace";
  }
  const int root = ::open(layout.dir(Hierarchy::kMemory).c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(root, 0);
  TaskStates states;
  ASSERT_EQ(client.Query(root, states), CgroupStatsClient::Result::kOk);
  EXPECT_TRUE(states.has_iowait);
  EXPECT_GT(states.running + states.sleeping + states.uninterruptible + states.stopped, 0u);
  ::close(root);
  // Not a cgroup directory: refused, and the socket stays usable.
  const int tmp = ::open("/tmp", O_RDONLY | O_DIRECTORY);
  EXPECT_EQ(client.Query(tmp, states), CgroupStatsClient::Result::kRefused);
  ::close(tmp);
  const int again = ::open(layout.dir(Hierarchy::kMemory).c_str(), O_RDONLY | O_DIRECTORY);
  EXPECT_EQ(client.Query(again, states), CgroupStatsClient::Result::kOk);
  ::close(again);
}

}  // namespace
}  // namespace swarmscope::cgroup
