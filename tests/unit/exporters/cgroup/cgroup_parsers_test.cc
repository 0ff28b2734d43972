// The cgroup exporter's pure parsers (cgroup files, mountinfo, /proc, cgroupstats messages)
// and the layout worked out from mountinfo.

#include "exporters/cgroup/cgroup_parsers.h"

#include <gtest/gtest.h>
#include <linux/cgroupstats.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>

#include <cstring>

#include "collector/metric_writer.h"
#include "exporters/cgroup/cgroupstats_parsers.h"
#include "exporters/cgroup/layout.h"
#include "exporters/cgroup/proc_parsers.h"

namespace swarmscope::cgroup {
namespace {

TEST(CgroupParsers, MountInfo) {
  const auto mounts = ParseMountInfo(
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "41 30 0:38 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
      "broken line\n");
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(mounts[0].super_options, "rw,cpu,cpuacct");
  EXPECT_EQ(mounts[1].fs_type, "cgroup2");
  EXPECT_EQ(mounts[2].mount_point, "/mnt/with space");
  const Layout layout = DiscoverLayout(mounts, PathMapper{"/host", "/host/sys"});
  EXPECT_EQ(layout.dir(Hierarchy::kCpu), "/host/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.dir(Hierarchy::kCpuacct), "/host/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.dir(Hierarchy::kUnified), "/host/sys/fs/cgroup/unified");
  EXPECT_FALSE(layout.has(Hierarchy::kMemory));
  EXPECT_TRUE(layout.hybrid());
  EXPECT_EQ(layout.base(), Hierarchy::kCpuacct);
  const Layout v2 =
      DiscoverLayout(ParseMountInfo("1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"), {});
  EXPECT_TRUE(v2.v2());
  EXPECT_EQ(v2.base(), Hierarchy::kUnified);
  EXPECT_TRUE(DiscoverLayout({}, {}).empty());
}

TEST(CgroupParsers, Paths) {
  std::string p;
  AppendPath(p, "/sys/fs/cgroup/memory", "/", "memory.stat");
  EXPECT_EQ(p, "/sys/fs/cgroup/memory/memory.stat");
  p.clear();
  AppendPath(p, "/sys/fs/cgroup/memory/", "/docker/x", "tasks");
  EXPECT_EQ(p, "/sys/fs/cgroup/memory/docker/x/tasks");
  p.clear();
  AppendPath(p, "/sys/fs/cgroup", "/docker/x", "");
  EXPECT_EQ(p, "/sys/fs/cgroup/docker/x");
  EXPECT_EQ((PathMapper{"/host", "/host/sys"}.Map("/sys/fs/cgroup/memory")),
            "/host/sys/fs/cgroup/memory");
  EXPECT_EQ((PathMapper{"/host", "/sys"}.Map("/run/x")), "/host/run/x");
  EXPECT_EQ(PathMapper{}.Map("/sys/fs/cgroup"), "/sys/fs/cgroup");
}

TEST(CgroupParsers, Numbers) {
  EXPECT_EQ(ParseU64("123\n"), 123u);
  EXPECT_EQ(ParseU64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseU64("18446744073709551616"));
  EXPECT_FALSE(ParseU64("max"));
  EXPECT_EQ(ParseU64("max\n", 0), 0u);
  EXPECT_FALSE(ParseU64(""));
  EXPECT_FALSE(ParseU64("-1"));
  EXPECT_FALSE(ParseU64("12abc"));
  EXPECT_EQ(ParseI64("-1\n"), -1);
}

TEST(CgroupParsers, FlatKeyed) {
  const std::string stat = "cache 10\nrss 20\ntotal_rss 30\n";
  EXPECT_EQ(FlatKey(stat, "rss"), 20u);
  EXPECT_EQ(FlatKey(stat, "total_rss"), 30u);
  EXPECT_FALSE(FlatKey(stat, "rs"));
  EXPECT_FALSE(FlatKey(stat, "swap"));
  EXPECT_TRUE(IsFlatKeyed(stat));
  EXPECT_FALSE(IsFlatKeyed("rss\n"));
  EXPECT_FALSE(IsFlatKeyed("rss 1 2\n"));
  EXPECT_FALSE(IsFlatKeyed(""));
}

TEST(CgroupParsers, FlatKeyedInOnePassAgreesWithFlatKey) {
  const std::string stat = "cache 10\nrss 20\ntotal_rss 30\nrss 99\n\npgfault 7\n";
  constexpr std::string_view kKeys[] = {"rss", "total_rss", "swap", "pgfault", "cache"};
  std::optional<uint64_t> values[std::size(kKeys)];
  ASSERT_TRUE(ParseFlatKeyed(stat, kKeys, values));
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    EXPECT_EQ(values[i], FlatKey(stat, kKeys[i])) << kKeys[i];
  }
  for (const char* bad : {"", "rss\n", "rss 1 2\n", "rss x\n", "cache 1\nrss -2\n", "x\n"}) {
    EXPECT_FALSE(ParseFlatKeyed(bad, kKeys, values)) << bad;
    EXPECT_EQ(IsFlatKeyed(bad), false) << bad;
    EXPECT_FALSE(values[0]) << bad;
  }
  // A value nobody asked for is not parsed.
  ASSERT_TRUE(ParseFlatKeyed("other x\nrss 5\n", kKeys, values));
  EXPECT_EQ(values[0], 5u);
}

TEST(CgroupParsers, CpuMaxAndWeight) {
  EXPECT_EQ(ParseCpuMax("max 100000\n")->period_us, 100000u);
  EXPECT_FALSE(ParseCpuMax("max 100000\n")->quota_us);
  EXPECT_EQ(ParseCpuMax("50000 100000")->quota_us, 50000u);
  EXPECT_FALSE(ParseCpuMax("50000"));
  EXPECT_FALSE(ParseCpuMax("a b"));
  EXPECT_EQ(CpuWeightToShares(100), 2597u);  // cAdvisor's conversion
  EXPECT_EQ(CpuWeightToShares(1), 2u);
  EXPECT_EQ(CpuWeightToShares(10000), 262144u);
}

TEST(CgroupParsers, PressureIoIds) {
  auto p = ParsePressure(
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 "
      "total=7\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->some_total_us, 5u);
  EXPECT_EQ(p->full_total_us, 7u);
  EXPECT_TRUE(ParsePressure("some avg10=0.00 total=5\n"));  // cpu.pressure on old kernels: no full
  EXPECT_FALSE(ParsePressure("weird total=5\n"));
  auto io = ParseIoStat("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n8:16 rbytes=5\n");
  ASSERT_TRUE(io);
  ASSERT_EQ(io->size(), 2u);
  EXPECT_EQ((*io)[0].writes, 4u);
  EXPECT_EQ((*io)[1].minor, 16u);
  EXPECT_FALSE(ParseIoStat("8:0 rbytes\n"));
  std::vector<IoDevice> reused = {IoDevice{1, 1}};
  EXPECT_TRUE(ParseIoStatInto("", reused));
  EXPECT_TRUE(reused.empty());
  std::vector<IoDevice> devices;
  EXPECT_TRUE(MergeBlkio("8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\nTotal 30\n", true, devices));
  EXPECT_TRUE(MergeBlkio("8:0 Read 1\n8:0 Write 2\nTotal 3\n", false, devices));
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].read_bytes, 10u);
  EXPECT_EQ(devices[0].writes, 2u);
  EXPECT_FALSE(MergeBlkio("8:0 Read x\n", true, devices));
  std::vector<int64_t> ids = {99};
  EXPECT_TRUE(ParseIdList("10\n20\n30\n", ids));
  EXPECT_EQ(ids, (std::vector<int64_t>{10, 20, 30}));
  EXPECT_TRUE(ParseIdList("", ids));
  EXPECT_TRUE(ids.empty());
  EXPECT_FALSE(ParseIdList("10\nabc\n", ids));
  EXPECT_FALSE(ParseIdList("0\n", ids));
  EXPECT_TRUE(ids.empty());
}

TEST(CgroupParsers, ContainerIds) {
  const std::string id(64, 'a');
  EXPECT_EQ(ContainerIdFromCgroupName(id), id);
  EXPECT_EQ(ContainerIdFromCgroupName("docker-" + id + ".scope"), id);
  EXPECT_EQ(ContainerIdFromCgroupName("ssh.service"), "");
  EXPECT_EQ(ContainerIdFromCgroupName(std::string(63, 'a')), "");
  EXPECT_EQ(ContainerIdFromCgroupName(std::string(64, 'A')), "");
  EXPECT_EQ(SanitizeLabelName("com.docker.swarm.service-name"), "com_docker_swarm_service_name");
}

// A line of /proc/diskstats as Linux 6.x writes it (20 counters after the name).
std::string DiskLine(int major, int minor, const std::string& name, int reads, int sectors_read,
                     int writes, int sectors_written) {
  return "   " + std::to_string(major) + "       " + std::to_string(minor) + " " + name + " " +
         std::to_string(reads) + " 7 " + std::to_string(sectors_read) + " 40 " +
         std::to_string(writes) + " 3 " + std::to_string(sectors_written) +
         " 90 0 120 130 0 0 0 0 11 12 0 0\n";
}

TEST(CgroupProcParsers, DiskstatsWholeDisksOnly) {
  const std::string text = DiskLine(7, 0, "loop0", 50, 100, 0, 0) +        // no disk
                           DiskLine(8, 0, "sda", 1000, 8000, 500, 4000) +  // a disk
                           DiskLine(8, 1, "sda1", 900, 7000, 400, 3000) +  // its partition
                           DiskLine(259, 0, "nvme0n1", 20, 160, 10, 80) +
                           DiskLine(259, 1, "nvme0n1p1", 19, 150, 9, 70) +
                           DiskLine(253, 0, "dm-0", 800, 6000, 300, 2000) +  // on sda1
                           DiskLine(252, 16, "vdb", 3, 24, 2, 16) +          // no partitions
                           DiskLine(9, 0, "md0", 1, 8, 1, 8) + DiskLine(11, 0, "sr0", 1, 8, 0, 0);
  std::vector<IoDevice> disks(9);  // reused: cleared first
  ASSERT_TRUE(ParseDiskstatsInto(text, disks));
  ASSERT_EQ(disks.size(), 3u);
  EXPECT_EQ(disks[0].major, 8u);
  EXPECT_EQ(disks[0].minor, 0u);
  EXPECT_EQ(disks[0].reads, 1000u);
  EXPECT_EQ(disks[0].writes, 500u);
  EXPECT_EQ(disks[0].read_bytes, 8000u * 512);
  EXPECT_EQ(disks[0].write_bytes, 4000u * 512);
  EXPECT_EQ(disks[1].major, 259u);
  EXPECT_EQ(disks[1].minor, 0u);
  EXPECT_EQ(disks[2].minor, 16u);
  EXPECT_EQ(disks[2].read_bytes, 24u * 512);
  // Kernels before 4.18 write 11 counters: enough.
  ASSERT_TRUE(ParseDiskstatsInto("   8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n", disks));
  EXPECT_EQ(disks.size(), 1u);
  EXPECT_TRUE(ParseDiskstatsInto("", disks));
  EXPECT_TRUE(disks.empty());
  EXPECT_FALSE(ParseDiskstatsInto("   8 0 sda 1 2 x\n", disks));
  EXPECT_TRUE(disks.empty());
  EXPECT_FALSE(ParseDiskstatsInto("garbage\n", disks));
}

TEST(CgroupProcParsers, IoAndNetDev) {
  EXPECT_EQ(ParseProcIo("rchar: 5\nread_bytes: 10\nwrite_bytes: 20\n")->write_bytes, 20u);
  EXPECT_FALSE(ParseProcIo("rchar: 5\n"));
  EXPECT_FALSE(ParseNetDev("only one line\n"));
  EXPECT_FALSE(ParseNetDev("h1\nh2\n  eth0: 1 2 3\n"));
  const std::string dev =
      "Inter-|   Receive |  Transmit\n face |bytes packets|bytes packets\n"
      "    lo:    1200      12    0    0    0     0          0         0     1200      12    0    "
      "0    0     0       0          0\n"
      "  eth0: 5242880    4000    1    2    0     0          0         0  1048576     900    0    "
      "3    0     0       0          0\n";
  std::vector<NetDevice> devices(5);  // reused: resized to what the file lists
  ASSERT_TRUE(ParseNetDevInto(dev, devices));
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[1].name, "eth0");
  EXPECT_EQ(devices[1].rx_bytes, 5242880u);
  EXPECT_EQ(devices[1].rx_dropped, 2u);
  EXPECT_EQ(devices[1].tx_dropped, 3u);
}

TEST(CgroupProcParsers, TaskState) {
  EXPECT_EQ(ParseTaskState("12837 (python3) S 12821 12821 4607 0 -1"), 'S');
  EXPECT_EQ(ParseTaskState("1 (a (b) c) R 0"), 'R');  // the name may hold parentheses
  EXPECT_EQ(ParseTaskState("1 (x) t\n"), 't');
  EXPECT_EQ(ParseTaskState("1 (x) D"), 'D');
  EXPECT_FALSE(ParseTaskState("1 (x)"));
  EXPECT_FALSE(ParseTaskState("1 (x) SS 1"));
  EXPECT_FALSE(ParseTaskState("1 x) S"));
  EXPECT_FALSE(ParseTaskState("garbage"));
  EXPECT_FALSE(ParseTaskState(""));
  TaskStates states;
  for (char c : std::string_view("RSSDTtZIXPW")) {
    CountTaskState(c, states);
  }
  EXPECT_EQ(states.running, 1u);
  EXPECT_EQ(states.sleeping, 2u);
  EXPECT_EQ(states.uninterruptible, 1u);
  EXPECT_EQ(states.stopped, 2u);
  EXPECT_EQ(states.iowait, 0u);
  EXPECT_FALSE(states.has_iowait);
}

// --- cgroupstats messages ------------------------------------------------------------------

// A kernel reply of one generic netlink message with one attribute.
std::string Reply(uint16_t type, uint32_t seq, uint16_t attr, const void* payload, size_t size) {
  std::string out(NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + size), '\0');
  nlmsghdr n{};
  n.nlmsg_len = static_cast<uint32_t>(out.size());
  n.nlmsg_type = type;
  n.nlmsg_seq = seq;
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + size);
  a.nla_type = attr;
  std::memcpy(out.data(), &n, sizeof(n));
  std::memcpy(out.data() + NLMSG_HDRLEN + GENL_HDRLEN, &a, sizeof(a));
  std::memcpy(out.data() + NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN, payload, size);
  return out;
}

std::string ErrorReply(uint32_t seq, int error) {
  std::string out(NLMSG_HDRLEN + sizeof(nlmsgerr), '\0');
  nlmsghdr n{};
  n.nlmsg_len = static_cast<uint32_t>(out.size());
  n.nlmsg_type = NLMSG_ERROR;
  n.nlmsg_seq = seq;
  nlmsgerr e{};
  e.error = -error;
  std::memcpy(out.data(), &n, sizeof(n));
  std::memcpy(out.data() + NLMSG_HDRLEN, &e, sizeof(e));
  return out;
}

TEST(CgroupStatsMessages, Requests) {
  const std::string family = BuildTaskstatsFamilyRequest(7);
  nlmsghdr n{};
  ASSERT_GE(family.size(), sizeof(n));
  std::memcpy(&n, family.data(), sizeof(n));
  EXPECT_EQ(n.nlmsg_len, family.size());
  EXPECT_EQ(n.nlmsg_type, GENL_ID_CTRL);
  EXPECT_EQ(n.nlmsg_seq, 7u);
  EXPECT_NE(family.find(std::string(TASKSTATS_GENL_NAME) + '\0'), std::string::npos);
  const std::string get = BuildCgroupStatsRequest(31, 8, 5);
  std::memcpy(&n, get.data(), sizeof(n));
  EXPECT_EQ(n.nlmsg_type, 31);
  EXPECT_EQ(get[NLMSG_HDRLEN], CGROUPSTATS_CMD_GET);
  uint32_t fd = 0;
  std::memcpy(&fd, get.data() + NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN, sizeof(fd));
  EXPECT_EQ(fd, 5u);
}

TEST(CgroupStatsMessages, Replies) {
  const uint16_t id = 31;
  EXPECT_EQ(
      ParseTaskstatsFamilyReply(Reply(GENL_ID_CTRL, 3, CTRL_ATTR_FAMILY_ID, &id, sizeof(id)), 3),
      31);
  int error = 0;
  EXPECT_FALSE(ParseTaskstatsFamilyReply(ErrorReply(3, ENOENT), 3, &error));
  EXPECT_EQ(error, ENOENT);
  cgroupstats stats{};
  stats.nr_sleeping = 38;
  stats.nr_running = 3;
  stats.nr_stopped = 1;
  stats.nr_uninterruptible = 2;
  stats.nr_io_wait = 1;
  auto r =
      ParseCgroupStatsReply(Reply(id, 9, CGROUPSTATS_TYPE_CGROUP_STATS, &stats, sizeof(stats)), 9);
  ASSERT_EQ(r.kind, CgroupStatsReply::Kind::kStats);
  EXPECT_EQ(r.states.sleeping, 38u);
  EXPECT_EQ(r.states.running, 3u);
  EXPECT_EQ(r.states.stopped, 1u);
  EXPECT_EQ(r.states.uninterruptible, 2u);
  EXPECT_EQ(r.states.iowait, 1u);
  EXPECT_TRUE(r.states.has_iowait);
  EXPECT_EQ(ParseCgroupStatsReply(ErrorReply(9, EINVAL), 9).kind, CgroupStatsReply::Kind::kError);
  EXPECT_EQ(ParseCgroupStatsReply(ErrorReply(9, EINVAL), 9).error, EINVAL);
  EXPECT_EQ(ParseCgroupStatsReply(ErrorReply(8, EINVAL), 9).kind, CgroupStatsReply::Kind::kOther);
  // Truncated: the attribute is shorter than a cgroupstats.
  EXPECT_EQ(ParseCgroupStatsReply(Reply(id, 9, CGROUPSTATS_TYPE_CGROUP_STATS, &stats, 8), 9).kind,
            CgroupStatsReply::Kind::kMalformed);
  std::string cut = Reply(id, 9, CGROUPSTATS_TYPE_CGROUP_STATS, &stats, sizeof(stats));
  cut.resize(cut.size() - 4);
  EXPECT_EQ(ParseCgroupStatsReply(cut, 9).kind, CgroupStatsReply::Kind::kMalformed);
  EXPECT_EQ(ParseCgroupStatsReply("", 9).kind, CgroupStatsReply::Kind::kMalformed);
}

}  // namespace
}  // namespace swarmscope::cgroup
