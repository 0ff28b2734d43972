// The cgroup exporter on fixture trees of real kernel files (golden outputs), on broken
// input, and its parsers. The integration test on real cgroups is
// tests/integration/cgroup_test.py.

#include "exporters/cgroup/cgroup_exporter.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "collector/self_metrics.h"
#include "tests/support/exposition_parser.h"

namespace swarmscope::cgroup {
namespace {

namespace fs = std::filesystem;

const std::string kSource = SWARMSCOPE_SOURCE_DIR;
const std::string kFixtures = kSource + "/tests/fixtures/cgroup";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the exporter the way the daemon does, with roots pointing at `tree`.
class Harness {
 public:
  explicit Harness(const std::string& tree, std::vector<std::string> extra_flags = {}) {
    args_ = {"swarmscope", "--path.rootfs=" + tree, "--path.procfs=" + tree + "/proc",
             "--path.sysfs=" + tree + "/sys"};
    args_.insert(args_.end(), extra_flags.begin(), extra_flags.end());
  }

  ContainerInventory& inventory() { return inventory_; }

  // Returns the exposition and whether Collect() reported success.
  std::pair<std::string, bool> Scrape() {
    std::vector<const char*> argv;
    for (const auto& a : args_) argv.push_back(a.c_str());
    const char* envp[] = {nullptr};
    const std::vector<ExporterSpec> specs = {CgroupExporterSpec()};
    ParseOutcome parsed = ParseCommandLine(static_cast<int>(argv.size()), argv.data(), envp, FlagsOf(specs));
    EXPECT_EQ(parsed.action, ParseOutcome::Action::kRun) << parsed.message;
    ExporterDeps deps{parsed.config, log_, inventory_, self_.registry()};
    auto exporter = specs[0].create(deps);
    MetricWriter writer;
    std::atomic<bool> cancelled{false};
    ScrapeContext ctx(Clock::now() + std::chrono::seconds(30), cancelled, self_.ErrorsFor("cgroup"));
    const bool ok = exporter->Collect(ctx, writer);
    EXPECT_EQ(writer.out_of_order(), 0u);
    std::string out;
    writer.TakeInto(out);
    return {out, ok};
  }

  // Problems the exporter reported, by cause.
  double Errors(const std::string& cause) {
    std::string text;
    self_.Serialize(text);
    auto e = testing::ParseExposition(text);
    if (!e) return -1;
    const auto* s = testing::FindSample(*e, "swarmscope_collector_errors_total", {{"cause", cause}});
    return s ? s->value : 0;
  }

 private:
  std::vector<std::string> args_;
  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  SelfMetrics self_{log_};
  ContainerInventory inventory_;
};

void FillInventory(ContainerInventory& inventory) {
  ContainerInfo web;
  web.id = "aaaa111111111111111111111111111111111111111111111111111111111111";
  web.name = "shop_web.1.k2j3h4g5f6d7s8a9";
  web.image = "nginx:1.25";
  web.labels = {{"com.docker.swarm.service.name", "shop_web"},
                {"com.docker.swarm.task.name", "shop_web.1.k2j3h4g5f6d7s8a9"},
                {"com.docker.stack.namespace", "shop"},
                {"not.exported", "x"}};
  inventory.Upsert(web);
  ContainerInfo db = web;
  db.id = "cccc333333333333333333333333333333333333333333333333333333333333";
  db.name = "shop_db.1.q1w2e3r4t5y6u7i8";
  db.image = "postgres:15";
  db.labels = {{"com.docker.swarm.service.name", "shop_db"}};
  inventory.Upsert(db);
}

// Wall-clock values (last seen, cgroup creation time in a fresh clone) become 0.
std::string Normalize(const std::string& text) {
  static const std::regex kTimes(R"(^(container_last_seen|container_start_time_seconds)(\{[^}]*\}) .*$)",
                                 std::regex::multiline);
  return std::regex_replace(text, kTimes, "$1$2 0");
}

void CheckGolden(const std::string& tree) {
  Harness h(kFixtures + "/" + tree);
  FillInventory(h.inventory());
  auto [out, ok] = h.Scrape();
  ASSERT_TRUE(ok);
  out = Normalize(out);
  std::string error;
  ASSERT_TRUE(testing::ParseExposition(out, &error)) << error;
  const std::string golden = kSource + "/tests/golden/cgroup_" + tree + ".prom";
  if (std::getenv("SWARMSCOPE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << out;
  }
  const std::string expected = ReadAll(golden);
  EXPECT_EQ(out, expected) << "golden " << golden
                           << " differs; rerun with SWARMSCOPE_UPDATE_GOLDEN=1 to rewrite it";
}

TEST(CgroupGolden, V1Separate) { CheckGolden("v1"); }
TEST(CgroupGolden, V1Comounted) { CheckGolden("v1-comounted"); }
TEST(CgroupGolden, Hybrid) { CheckGolden("hybrid"); }
TEST(CgroupGolden, V2Systemd) { CheckGolden("v2-systemd"); }

// The co-mounted tree holds the same files as the separate one: same output.
TEST(CgroupGolden, ComountedEqualsSeparate) {
  EXPECT_EQ(ReadAll(kSource + "/tests/golden/cgroup_v1.prom"),
            ReadAll(kSource + "/tests/golden/cgroup_v1-comounted.prom"));
}

TEST(CgroupGolden, GoldenFilesPassPromtool) {
  for (const char* tree : {"v1", "v1-comounted", "hybrid", "v2-systemd"}) {
    const std::string cmd = "promtool check metrics < " + kSource + "/tests/golden/cgroup_" + tree +
                            ".prom > /dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << tree;
  }
}

testing::Exposition Parse(const std::string& text) {
  std::string error;
  auto e = testing::ParseExposition(text, &error);
  EXPECT_TRUE(e) << error;
  return e ? *e : testing::Exposition{};
}

double Value(const testing::Exposition& e, const std::string& name,
             const std::map<std::string, std::string>& labels) {
  const auto* s = testing::FindSample(e, name, labels);
  return s ? s->value : -1;
}

TEST(CgroupExporter, V1ValuesMatchTheKernelFiles) {
  const std::string tree = kFixtures + "/v1";
  Harness h(tree);
  FillInventory(h.inventory());
  auto e = Parse(h.Scrape().first);
  const std::string a = "/docker/aaaa111111111111111111111111111111111111111111111111111111111111";
  const std::string b = "/docker/bbbb222222222222222222222222222222222222222222222222222222222222";
  const double usage_ns = std::stod(ReadAll(tree + "/sys/fs/cgroup/cpuacct" + a + "/cpuacct.usage"));
  EXPECT_DOUBLE_EQ(Value(e, "container_cpu_usage_seconds_total", {{"id", a}, {"cpu", "total"}}), usage_ns / 1e9);
  // Labels: name, image and allow-listed swarm labels for the known container only.
  const auto* s = testing::FindSample(e, "container_memory_usage_bytes", {{"id", a}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->labels.at("name"), "shop_web.1.k2j3h4g5f6d7s8a9");
  EXPECT_EQ(s->labels.at("image"), "nginx:1.25");
  EXPECT_EQ(s->labels.at("container_label_com_docker_swarm_service_name"), "shop_web");
  EXPECT_EQ(s->labels.count("container_label_not_exported"), 0u);
  const auto* unknown = testing::FindSample(e, "container_memory_usage_bytes", {{"id", b}});
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->labels.size(), 1u);  // only id: no empty name/image labels
  // Limits of the second container; none on the first (0 = unlimited).
  EXPECT_EQ(Value(e, "container_spec_memory_limit_bytes", {{"id", b}}), 268435456);
  EXPECT_EQ(Value(e, "container_spec_memory_reservation_limit_bytes", {{"id", b}}), 134217728);
  EXPECT_EQ(Value(e, "container_spec_memory_limit_bytes", {{"id", a}}), 0);
  EXPECT_EQ(Value(e, "container_spec_cpu_quota", {{"id", b}}), 50000);
  EXPECT_EQ(testing::FindSample(e, "container_spec_cpu_quota", {{"id", a}}), nullptr);
  EXPECT_EQ(Value(e, "container_spec_cpu_shares", {{"id", b}}), 512);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", b}}), 100);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", a}}), 0);
  EXPECT_EQ(Value(e, "container_threads", {{"id", a}}), 4);
  EXPECT_EQ(Value(e, "container_processes", {{"id", a}}), 1);
  // Working set = usage - total_inactive_file.
  const std::string stat = ReadAll(tree + "/sys/fs/cgroup/memory" + a + "/memory.stat");
  const double usage = std::stod(ReadAll(tree + "/sys/fs/cgroup/memory" + a + "/memory.usage_in_bytes"));
  const double inactive = static_cast<double>(*FlatKey(stat, "total_inactive_file"));
  EXPECT_EQ(Value(e, "container_memory_working_set_bytes", {{"id", a}}), usage - inactive);
  // blkio is 0 on this kernel: I/O comes from /proc/<pid>/io, without a device.
  EXPECT_GE(Value(e, "container_fs_writes_bytes_total", {{"id", a}}), 4 << 20);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_total", {{"id", a}}), nullptr);
  // Network: the first container has a namespace of its own, the second the host's.
  EXPECT_EQ(Value(e, "container_network_receive_bytes_total", {{"id", a}, {"interface", "eth0"}}), 5242880);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", a}, {"interface", "lo"}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", b}}), nullptr);
  EXPECT_NE(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", "/"}}), nullptr);
  // Every container has the five task states (zeros).
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", a}, {"state", "running"}}), 0);
}

TEST(CgroupExporter, V2ValuesMatchTheKernelFilesWithTheSystemdDriver) {
  const std::string tree = kFixtures + "/v2-systemd";
  Harness h(tree);
  auto e = Parse(h.Scrape().first);
  const std::string c = "/system.slice/docker-cccc333333333333333333333333333333333333333333333333333333333333.scope";
  const std::string d = "/system.slice/docker-dddd444444444444444444444444444444444444444444444444444444444444.scope";
  auto file = [&](const std::string& id, const char* name) { return ReadAll(tree + "/sys/fs/cgroup" + id + "/" + name); };
  auto key = [&](const std::string& id, const char* name, const char* k) {
    return static_cast<double>(*FlatKey(file(id, name), k));
  };
  EXPECT_DOUBLE_EQ(Value(e, "container_cpu_usage_seconds_total", {{"id", c}}), key(c, "cpu.stat", "usage_usec") / 1e6);
  EXPECT_GT(Value(e, "container_cpu_usage_seconds_total", {{"id", c}}), 1.0);  // the busy one
  EXPECT_EQ(Value(e, "container_memory_rss", {{"id", c}}), key(c, "memory.stat", "anon"));
  EXPECT_GT(Value(e, "container_memory_rss", {{"id", c}}), 24 << 20);
  const double usage = std::stod(file(c, "memory.current"));
  EXPECT_EQ(Value(e, "container_memory_working_set_bytes", {{"id", c}}),
            usage - key(c, "memory.stat", "inactive_file"));
  EXPECT_EQ(Value(e, "container_memory_max_usage_bytes", {{"id", c}}), std::stod(file(c, "memory.peak")));
  EXPECT_EQ(Value(e, "container_spec_memory_limit_bytes", {{"id", c}}), 0);  // max
  EXPECT_EQ(Value(e, "container_spec_memory_limit_bytes", {{"id", d}}), 64 << 20);
  EXPECT_EQ(Value(e, "container_spec_memory_reservation_limit_bytes", {{"id", d}}), 32 << 20);
  EXPECT_EQ(Value(e, "container_spec_cpu_quota", {{"id", d}}), 50000);
  EXPECT_EQ(testing::FindSample(e, "container_spec_cpu_quota", {{"id", c}}), nullptr);
  EXPECT_EQ(Value(e, "container_spec_cpu_shares", {{"id", c}}), 2597);  // weight 100
  EXPECT_EQ(Value(e, "container_oom_events_total", {{"id", d}}), 1);
  EXPECT_EQ(Value(e, "container_memory_failcnt", {{"id", d}}), key(d, "memory.events", "max"));
  EXPECT_EQ(Value(e, "container_fs_reads_bytes_total", {{"id", c}, {"device", "254:0"}}), 6 << 20);
  EXPECT_EQ(Value(e, "container_fs_writes_bytes_total", {{"id", c}, {"device", "254:0"}}), 4 << 20);
  EXPECT_EQ(Value(e, "container_threads", {{"id", c}}), 4);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", d}}), 100);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", c}}), 0);
  EXPECT_NE(testing::FindSample(e, "container_pressure_cpu_waiting_seconds_total", {{"id", c}}), nullptr);
  // ssh.service in system.slice is not a container.
  for (const auto& [name, family] : e.families) {
    for (const auto& sample : family.samples) {
      EXPECT_EQ(sample.labels.at("id").find("ssh"), std::string::npos);
    }
  }
  // The containers share the VM's network namespace: only the root reports network, and
  // without lo.
  EXPECT_NE(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", "/"}, {"interface", "eth0"}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", "/"}, {"interface", "lo"}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", c}}), nullptr);
}

TEST(CgroupExporter, TimestampsOnlyBehindTheFlag) {
  auto plain = Parse(Harness(kFixtures + "/v2-systemd").Scrape().first);
  EXPECT_FALSE(testing::FindSample(plain, "container_memory_rss", {{"id", "/"}})->timestamp_ms);
  auto stamped = Parse(Harness(kFixtures + "/v2-systemd", {"--collector.cgroup.timestamps"}).Scrape().first);
  EXPECT_TRUE(testing::FindSample(stamped, "container_memory_rss", {{"id", "/"}})->timestamp_ms);
}

// --- Bad input ---------------------------------------------------------------------------

class BrokenTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/cgroup-broken-" + std::to_string(::getpid());
    fs::remove_all(root_);
    fs::copy(kFixtures + "/v2-systemd", root_, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    dir_ = root_ + "/sys/fs/cgroup/system.slice/docker-cccc333333333333333333333333333333333333333333333333333333333333.scope";
    id_ = "/system.slice/docker-cccc333333333333333333333333333333333333333333333333333333333333.scope";
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& file, const std::string& text) { std::ofstream(dir_ + "/" + file) << text; }

  std::string root_, dir_, id_;
};

TEST_F(BrokenTree, MalformedFilesDropTheirMetricsAndAreReported) {
  Write("memory.current", "garbage\xff\n");
  Write("cpu.stat", "usage_usec 12\nuser_usec\n");  // truncated mid-line
  Write("memory.stat", "");                          // empty
  Write("cpu.max", "50000");                         // truncated: no period
  Write("cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 tot");
  Write("pids.max", "18446744073709551615\n");  // u64 max is a number
  Write("io.stat", "254:0 rbytes=abc\n");
  Write("memory.events", "unknown_key 5\noom_kill 3\n");  // unknown keys are fine
  Harness h(root_);
  auto [out, ok] = h.Scrape();
  EXPECT_TRUE(ok);
  auto e = Parse(out);
  EXPECT_EQ(testing::FindSample(e, "container_memory_usage_bytes", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_memory_working_set_bytes", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_cpu_usage_seconds_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_memory_rss", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_spec_cpu_period", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_pressure_cpu_waiting_seconds_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_bytes_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(Value(e, "container_threads_max", {{"id", id_}}), 18446744073709551615.0);
  EXPECT_EQ(Value(e, "container_oom_events_total", {{"id", id_}}), 3);
  // The rest of the container and the other containers are still there.
  EXPECT_EQ(Value(e, "container_memory_max_usage_bytes", {{"id", id_}}), std::stod(ReadAll(dir_ + "/memory.peak")));
  EXPECT_EQ(h.Errors("malformed_file"), 6);
}

TEST_F(BrokenTree, MissingControllersAndFilesAreNoData) {
  for (const char* f : {"cpu.stat", "cpu.max", "cpu.weight", "io.stat", "memory.events", "pids.max"}) {
    fs::remove(dir_ + "/" + f);
  }
  Harness h(root_);
  auto [out, ok] = h.Scrape();
  EXPECT_TRUE(ok);
  auto e = Parse(out);
  EXPECT_EQ(testing::FindSample(e, "container_cpu_usage_seconds_total", {{"id", id_}}), nullptr);
  EXPECT_EQ(Value(e, "container_memory_rss", {{"id", id_}}),
            static_cast<double>(*FlatKey(ReadAll(dir_ + "/memory.stat"), "anon")));
  EXPECT_EQ(h.Errors("malformed_file"), 0);
}

TEST_F(BrokenTree, CgroupRemovedBetweenDiscoveryAndReadIsSkippedSilently) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Logger log(LogLevel::kError, LogFormat::kLogfmt, devnull);
  SelfMetrics self(log);
  std::atomic<bool> cancelled{false};
  ScrapeContext ctx(Clock::now() + std::chrono::seconds(10), cancelled, self.ErrorsFor("cgroup"));
  const auto mounts = ParseMountInfo(ReadAll(root_ + "/proc/1/mountinfo"));
  Reader reader(DiscoverLayout(mounts, PathMapper{root_, root_ + "/sys"}), root_ + "/proc", &ctx);
  const auto targets = reader.Discover({"/system.slice"});
  ASSERT_EQ(targets.size(), 3u);  // the root and two containers
  EXPECT_EQ(targets[1].path, id_);
  fs::remove_all(dir_);  // the container stops right after discovery
  Stats stats;
  EXPECT_FALSE(reader.Read(targets[1], stats));
  Stats other;
  EXPECT_TRUE(reader.Read(targets[2], other));
  EXPECT_TRUE(other.memory_usage);
  std::string text;
  self.Serialize(text);
  EXPECT_EQ(text.find("swarmscope_collector_errors_total{"), std::string::npos);
  std::fclose(devnull);
}

TEST_F(BrokenTree, NoMountinfoFailsTheCollectorOnly) {
  fs::remove(root_ + "/proc/1/mountinfo");
  Harness h(root_);
  EXPECT_FALSE(h.Scrape().second);
  EXPECT_EQ(h.Errors("mountinfo"), 1);
}

TEST_F(BrokenTree, GarbageMountinfo) {
  std::ofstream(root_ + "/proc/1/mountinfo") << "\x01\x02 garbage\nno separator here at all x y z\n";
  Harness h(root_);
  EXPECT_FALSE(h.Scrape().second);
  EXPECT_EQ(h.Errors("no_cgroups"), 1);
}

// --- Parsers -----------------------------------------------------------------------------

TEST(CgroupParsers, MountInfo) {
  const auto mounts = ParseMountInfo(
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup rw,cpu,cpuacct\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "41 30 0:38 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
      "broken line\n");
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(mounts[0].super_options, "rw,cpu,cpuacct");
  EXPECT_EQ(mounts[1].fs_type, "cgroup2");
  EXPECT_EQ(mounts[2].mount_point, "/mnt/with space");
  const Layout layout = DiscoverLayout(mounts, PathMapper{"/host", "/host/sys"});
  EXPECT_EQ(layout.v1.at("cpu"), "/host/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.v1.at("cpuacct"), "/host/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.unified, "/host/sys/fs/cgroup/unified");
  EXPECT_TRUE(layout.hybrid());
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

TEST(CgroupParsers, PressureIoNetPids) {
  auto p = ParsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
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
  std::vector<IoDevice> devices;
  EXPECT_TRUE(MergeBlkio("8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\nTotal 30\n", true, devices));
  EXPECT_TRUE(MergeBlkio("8:0 Read 1\n8:0 Write 2\nTotal 3\n", false, devices));
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].read_bytes, 10u);
  EXPECT_EQ(devices[0].writes, 2u);
  EXPECT_FALSE(MergeBlkio("8:0 Read x\n", true, devices));
  EXPECT_EQ(ParseProcIo("rchar: 5\nread_bytes: 10\nwrite_bytes: 20\n")->write_bytes, 20u);
  EXPECT_FALSE(ParseProcIo("rchar: 5\n"));
  auto pids = ParsePidList("10\n20\n30\n");
  EXPECT_EQ(pids->count, 3u);
  EXPECT_EQ(pids->first_pid, 10);
  EXPECT_EQ(ParsePidList("")->count, 0u);
  EXPECT_FALSE(ParsePidList("10\nabc\n"));
  EXPECT_FALSE(ParseNetDev("only one line\n"));
  EXPECT_FALSE(ParseNetDev("h1\nh2\n  eth0: 1 2 3\n"));
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

// Naming rules over the whole metric table (STYLE.md): cAdvisor's names are kept, so
// the checks are the ones cAdvisor's names satisfy.
TEST(CgroupMetricTable, NamingRules) {
  std::set<std::string_view> seen;
  const std::regex name_re("^container_[a-z0-9_]+$");
  for (const auto& spec : CgroupMetricSpecs()) {
    EXPECT_TRUE(seen.insert(spec.name).second) << "duplicate " << spec.name;
    EXPECT_TRUE(std::regex_match(std::string(spec.name), name_re)) << spec.name;
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_NE(spec.help.find('('), std::string_view::npos) << spec.name << ": HELP should name its source";
    const bool total = spec.name.size() > 6 && spec.name.substr(spec.name.size() - 6) == "_total";
    if (spec.type == MetricType::kCounter) {
      EXPECT_TRUE(total) << spec.name;
    }
    if (spec.type == MetricType::kGauge) {
      EXPECT_FALSE(total) << spec.name;
    }
  }
}

}  // namespace
}  // namespace swarmscope::cgroup
