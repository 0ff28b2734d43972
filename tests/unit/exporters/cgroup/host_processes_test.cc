// Finding a container's processes when the procfs is of another pid namespace: the parsers
// of /proc/<pid>/cgroup and of the procfs' view of this process, and HostProcesses' cache
// (new pids, reused pids, processes moved just after they start, pids that went).

#include "exporters/cgroup/host_processes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "exporters/cgroup/proc_parsers.h"

namespace swarmscope::cgroup {
namespace {

const std::string kA = "aaaa111111111111111111111111111111111111111111111111111111111111";
const std::string kB = "bbbb222222222222222222222222222222222222222222222222222222222222";

// A v1 host's /proc/<pid>/cgroup (this machine's, captured, with cpu and cpuacct apart).
const std::string kV1 = "12:name=systemd:/docker/" + kA + "\n11:pids:/docker/" + kA +
                        "\n10:memory:/docker/" + kA + "\n9:cpu,cpuacct:/docker/" + kA +
                        "\n1:freezer:/\n0::/\n";

TEST(ProcCgroup, FindsTheLineOfTheController) {
  EXPECT_EQ(ParseProcCgroup(kV1, "memory"), "/docker/" + kA);
  EXPECT_EQ(ParseProcCgroup(kV1, "cpuacct"), "/docker/" + kA);  // co-mounted
  EXPECT_EQ(ParseProcCgroup(kV1, "cpu"), "/docker/" + kA);
  EXPECT_EQ(ParseProcCgroup(kV1, "freezer"), "/");
  EXPECT_EQ(ParseProcCgroup(kV1, ""), "/");  // the cgroup2 line of a hybrid host
  EXPECT_EQ(ParseProcCgroup(kV1, "blkio"), std::nullopt);
  EXPECT_EQ(ParseProcCgroup(kV1, "mem"), std::nullopt);  // a prefix is not a controller
}

TEST(ProcCgroup, V2AndCgroupNamespaces) {
  EXPECT_EQ(ParseProcCgroup("0::/system.slice/docker-" + kB + ".scope\n", ""),
            "/system.slice/docker-" + kB + ".scope");
  // Read from a container with a cgroup namespace of its own: relative to its root.
  EXPECT_EQ(ParseProcCgroup("0::/../docker-" + kB + ".scope\n", ""), "/../docker-" + kB + ".scope");
  // A cgroup being removed.
  EXPECT_EQ(ParseProcCgroup("0::/docker/" + kA + " (deleted)\n", ""), std::nullopt);
  // A path may hold colons.
  EXPECT_EQ(ParseProcCgroup("0::/odd:name\n", ""), "/odd:name");
}

TEST(ProcCgroup, MalformedIsNoData) {
  for (const std::string text : {"", "garbage\n", "x:memory:/docker\n", "10:memory\n",
                                 "10:memory:\n", "10:memory:docker\n"}) {
    EXPECT_EQ(ParseProcCgroup(text, "memory"), std::nullopt) << text;
  }
  // A malformed line anywhere makes the whole file no data.
  EXPECT_EQ(ParseProcCgroup("10:memory:/docker/" + kA + "\nbroken\n", "memory"), std::nullopt);
}

TEST(ProcCgroup, Classify) {
  EXPECT_TRUE(ClassifyCgroupPath("/").root);
  EXPECT_EQ(ClassifyCgroupPath("/").container_id, "");
  EXPECT_EQ(ClassifyCgroupPath("/docker/" + kA).container_id, kA);
  EXPECT_EQ(ClassifyCgroupPath("/system.slice/docker-" + kB + ".scope").container_id, kB);
  EXPECT_EQ(ClassifyCgroupPath("/../docker-" + kB + ".scope").container_id, kB);
  EXPECT_FALSE(ClassifyCgroupPath("/docker/" + kA).root);
  // Directly in the container's cgroup only, as cgroup.procs lists them.
  EXPECT_EQ(ClassifyCgroupPath("/docker/" + kA + "/init.scope").container_id, "");
  EXPECT_EQ(ClassifyCgroupPath("/system.slice/ssh.service").container_id, "");
  EXPECT_FALSE(ClassifyCgroupPath("/..").root);  // above a cgroup namespace: unknown
}

TEST(PidView, SameOnlyWhenTheProcfsNamesThisProcessByItsPid) {
  EXPECT_EQ(ProcfsPidView(true, "4242", 4242), PidView::kSame);
  // In a pid namespace of its own, over the host's /proc: self is the host pid.
  EXPECT_EQ(ProcfsPidView(true, "31337", 1), PidView::kOther);
  // A procfs of a namespace this process is not in: no self.
  EXPECT_EQ(ProcfsPidView(true, std::nullopt, 1), PidView::kOther);
  EXPECT_EQ(ProcfsPidView(true, "garbage", 1), PidView::kOther);
  // A fixture tree: its pids are taken as they are.
  EXPECT_EQ(ProcfsPidView(false, std::nullopt, 1), PidView::kSame);
}

TEST(PidView, ThisProcessOnItsOwnProcfs) {
  // The tests run in the pid namespace of /proc (no one remounts it for them).
  std::string self;
  EXPECT_EQ(ProcfsPidViewOf("/proc", &self), PidView::kSame);
  EXPECT_EQ(self, std::to_string(::getpid()));
  EXPECT_EQ(ProcfsPidViewOf(SWARMSCOPE_SOURCE_DIR "/tests/fixtures/cgroup/v1/proc"),
            PidView::kSame);
  EXPECT_TRUE(InHostCgroupNamespace(SWARMSCOPE_SOURCE_DIR "/tests/fixtures/cgroup/v1/proc"));
}

// HostProcesses::Update with the cgroup files of a fake procfs, counting reads.
struct FakeProcfs {
  std::map<int64_t, std::string> cgroup;  // pid -> text of /proc/<pid>/cgroup
  std::vector<int64_t> read;              // pids whose cgroup file was read

  HostProcesses::ReadCgroup Reader() {
    return [this](int64_t pid) -> std::optional<std::string_view> {
      read.push_back(pid);
      auto it = cgroup.find(pid);
      if (it == cgroup.end()) {
        return std::nullopt;
      }
      return it->second;
    };
  }
  void Update(HostProcesses& h, std::vector<HostProcesses::Listed> listed) {
    read.clear();
    h.Update(listed, Reader());
  }
};

std::string In(const std::string& id) { return "10:memory:/docker/" + id + "\n0::/\n"; }

std::vector<int64_t> Pids(std::span<const int64_t> s) { return {s.begin(), s.end()}; }

TEST(HostProcesses, GroupsPidsByContainer) {
  HostProcesses h("/nonexistent", "memory");
  FakeProcfs fs;
  fs.cgroup = {{1, "10:memory:/\n"},
               {300, In(kB)},
               {20, In(kA)},
               {7, In(kA)},
               {9, "10:memory:/system.slice/ssh.service\n"}};
  fs.Update(h, {{300, 1}, {20, 2}, {1, 3}, {7, 4}, {9, 5}});
  EXPECT_EQ(Pids(h.PidsOf(kA)), (std::vector<int64_t>{7, 20}));
  EXPECT_EQ(Pids(h.PidsOf(kB)), (std::vector<int64_t>{300}));
  EXPECT_EQ(Pids(h.RootPids()), (std::vector<int64_t>{1}));
  EXPECT_TRUE(h.PidsOf("cccc").empty());
  EXPECT_EQ(h.size(), 5u);
  EXPECT_EQ(h.reads(), 5u);
}

TEST(HostProcesses, InACgroupNamespaceOfItsOwnSlashIsNotTheRoot) {
  // "/" is then the namespace's root, the collector's own cgroup; other containers are
  // "/../<name>".
  HostProcesses h("/nonexistent", "", false);
  FakeProcfs fs;
  fs.cgroup = {{1, "0::/\n"}, {2, "0::/../docker-" + kB + ".scope\n"}};
  fs.Update(h, {{1, 1}, {2, 2}});
  EXPECT_TRUE(h.RootPids().empty());
  EXPECT_EQ(Pids(h.PidsOf(kB)), (std::vector<int64_t>{2}));
}

TEST(HostProcesses, ReadsEachProcessTwiceThenOnlyNewOnes) {
  HostProcesses h("/nonexistent", "memory");
  FakeProcfs fs;
  fs.cgroup = {{10, In(kA)}, {11, In(kB)}};
  fs.Update(h, {{10, 100}, {11, 101}});
  EXPECT_EQ(fs.read.size(), 2u);
  fs.Update(h, {{10, 100}, {11, 101}});  // the second read confirms them
  EXPECT_EQ(fs.read.size(), 2u);
  fs.Update(h, {{10, 100}, {11, 101}});
  EXPECT_TRUE(fs.read.empty());
  fs.cgroup[12] = In(kA);
  fs.Update(h, {{10, 100}, {11, 101}, {12, 102}});
  EXPECT_EQ(fs.read, (std::vector<int64_t>{12}));
  EXPECT_EQ(Pids(h.PidsOf(kA)), (std::vector<int64_t>{10, 12}));
}

TEST(HostProcesses, FollowsAProcessMovedJustAfterItStarted) {
  // runc exec: the process starts in runc's cgroup and joins the container's at once.
  HostProcesses h("/nonexistent", "memory");
  FakeProcfs fs;
  fs.cgroup = {{50, "10:memory:/system.slice/containerd.service\n"}};
  fs.Update(h, {{50, 500}});
  EXPECT_TRUE(h.PidsOf(kA).empty());
  fs.cgroup[50] = In(kA);
  fs.Update(h, {{50, 500}});
  EXPECT_EQ(Pids(h.PidsOf(kA)), (std::vector<int64_t>{50}));
  fs.Update(h, {{50, 500}});  // placed now: two reads agreed
  EXPECT_EQ(fs.read, (std::vector<int64_t>{50}));
  fs.Update(h, {{50, 500}});
  EXPECT_TRUE(fs.read.empty());
  EXPECT_EQ(Pids(h.PidsOf(kA)), (std::vector<int64_t>{50}));
}

TEST(HostProcesses, AReusedPidIsANewProcess) {
  HostProcesses h("/nonexistent", "memory");
  FakeProcfs fs;
  fs.cgroup = {{42, In(kA)}};
  fs.Update(h, {{42, 7}});
  fs.Update(h, {{42, 7}});
  fs.Update(h, {{42, 7}});
  EXPECT_TRUE(fs.read.empty());
  // Pid 42 exited and was given to a process of another container: another inode.
  fs.cgroup[42] = In(kB);
  fs.Update(h, {{42, 8}});
  EXPECT_EQ(fs.read, (std::vector<int64_t>{42}));
  EXPECT_TRUE(h.PidsOf(kA).empty());
  EXPECT_EQ(Pids(h.PidsOf(kB)), (std::vector<int64_t>{42}));
}

TEST(HostProcesses, ForgetsProcessesThatWent) {
  HostProcesses h("/nonexistent", "memory");
  FakeProcfs fs;
  fs.cgroup = {{1, In(kA)}, {2, In(kA)}, {3, In(kA)}};
  fs.Update(h, {{1, 1}, {2, 2}, {3, 3}});
  fs.Update(h, {{1, 1}, {3, 3}});
  EXPECT_EQ(Pids(h.PidsOf(kA)), (std::vector<int64_t>{1, 3}));
  // Listed, but gone before its cgroup file was read.
  fs.Update(h, {{1, 1}, {3, 3}, {4, 4}});
  EXPECT_EQ(h.size(), 2u);
  fs.Update(h, {});
  EXPECT_EQ(h.size(), 0u);
  EXPECT_TRUE(h.PidsOf(kA).empty());
}

TEST(HostProcesses, UnreadableOrMalformedCgroupFileIsNoContainer) {
  HostProcesses h("/nonexistent", "memory");
  FakeProcfs fs;
  fs.cgroup = {{5, "garbage"}, {6, "0::/docker/" + kA + "\n"}};  // v2 line, v1 asked
  fs.Update(h, {{5, 5}, {6, 6}});
  EXPECT_TRUE(h.PidsOf(kA).empty());
  EXPECT_TRUE(h.RootPids().empty());
  EXPECT_EQ(h.size(), 2u);
}

// Refresh on a directory laid out as a procfs: the listing, the files, the threads.
TEST(HostProcesses, RefreshListsADirectory) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("host-processes-" + std::to_string(getpid()));
  fs::remove_all(root);
  auto process = [&](int pid, const std::string& cgroup, std::vector<int> tids) {
    fs::create_directories(root / std::to_string(pid) / "task");
    std::ofstream(root / std::to_string(pid) / "cgroup") << cgroup;
    for (int tid : tids) {
      fs::create_directories(root / std::to_string(pid) / "task" / std::to_string(tid));
    }
  };
  process(1, "0::/init.scope\n", {1});
  process(100, "0::/system.slice/docker-" + kB + ".scope\n", {100, 101, 102});
  process(200, "0::/system.slice/docker-" + kB + ".scope\n", {200});
  fs::create_directories(root / "self");  // not a pid
  fs::create_directories(root / "sys");
  HostProcesses h(root.string(), "");
  ASSERT_TRUE(h.Refresh());
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(Pids(h.PidsOf(kB)), (std::vector<int64_t>{100, 200}));
  std::vector<int64_t> tids;
  h.ThreadsOf(h.PidsOf(kB), tids);
  EXPECT_EQ(tids, (std::vector<int64_t>{100, 101, 102, 200}));
  fs::remove_all(root / "200");
  ASSERT_TRUE(h.Refresh());
  EXPECT_EQ(Pids(h.PidsOf(kB)), (std::vector<int64_t>{100}));
  h.ThreadsOf(std::vector<int64_t>{100, 200}, tids);  // 200 went meanwhile
  EXPECT_EQ(tids, (std::vector<int64_t>{100, 101, 102}));
  fs::remove_all(root);
  EXPECT_FALSE(HostProcesses((root / "none").string(), "").Refresh());
}

}  // namespace
}  // namespace swarmscope::cgroup
