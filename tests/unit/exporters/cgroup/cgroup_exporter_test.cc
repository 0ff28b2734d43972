// The cgroup exporter on fixture trees of real kernel files (golden outputs), as the
// daemon runs it (ExporterHarness), and its metric table. Across scrapes and on broken
// input: cgroup_scrape_test.cc; the parsers: cgroup_parsers_test.cc; the I/O parts:
// cgroup_io_test.cc; on real cgroups: tests/integration/cgroup_test.py.

#include <cstdlib>
#include <regex>
#include <set>

#include "tests/unit/exporters/cgroup/cgroup_test_util.h"

namespace swarmscope::cgroup {
namespace {

namespace fs = std::filesystem;
void CheckGolden(const std::string& tree) {
  Scraper h(kFixtures + "/" + tree);
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
  EXPECT_EQ(out, ReadAll(golden))
      << "golden " << golden << " differs; rerun with SWARMSCOPE_UPDATE_GOLDEN=1 to rewrite it";
  // A second scrape (kept descriptors, cached layout and labels) writes the same.
  EXPECT_EQ(Normalize(h.Scrape().first), out) << tree;
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

TEST(CgroupExporter, V1ValuesMatchTheKernelFiles) {
  const std::string tree = kFixtures + "/v1";
  Scraper h(tree);
  FillInventory(h.inventory());
  auto e = Parse(h.Scrape().first);
  const std::string a = "/docker/" + kA;
  const std::string b = "/docker/" + kB;
  const double usage_ns =
      std::stod(ReadAll(tree + "/sys/fs/cgroup/cpuacct" + a + "/cpuacct.usage"));
  EXPECT_DOUBLE_EQ(Value(e, "container_cpu_usage_seconds_total", {{"id", a}, {"cpu", "total"}}),
                   usage_ns / 1e9);
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
  const double usage =
      std::stod(ReadAll(tree + "/sys/fs/cgroup/memory" + a + "/memory.usage_in_bytes"));
  const double inactive = static_cast<double>(*FlatKey(stat, "total_inactive_file"));
  EXPECT_EQ(Value(e, "container_memory_working_set_bytes", {{"id", a}}), usage - inactive);
  // blkio is 0 on this kernel: I/O comes from /proc/<pid>/io, without a device.
  EXPECT_GE(Value(e, "container_fs_writes_bytes_total", {{"id", a}}), 4 << 20);
  EXPECT_EQ(testing::FindSample(e, "container_fs_reads_total", {{"id", a}}), nullptr);
  // Network: the first container has a namespace of its own, the second the host's.
  EXPECT_EQ(Value(e, "container_network_receive_bytes_total", {{"id", a}, {"interface", "eth0"}}),
            5242880);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total",
                                {{"id", a}, {"interface", "lo"}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", b}}), nullptr);
  EXPECT_NE(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", "/"}}),
            nullptr);
  // Task states from /proc/<tid>/task/<tid>/stat of the threads in `tasks` (a fixture tree
  // is no cgroupfs, so cgroupstats refuses it): the captured workload's four threads
  // sleep, and without cgroupstats there is no iowait series.
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", a}, {"state", "sleeping"}}), 4);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", a}, {"state", "running"}}), 0);
  EXPECT_EQ(testing::FindSample(e, "container_tasks_state", {{"id", a}, {"state", "iowait"}}),
            nullptr);
  // The root's threads were not captured (they are the host's): no task states for it.
  EXPECT_EQ(testing::FindSample(e, "container_tasks_state", {{"id", "/"}}), nullptr);
}

TEST(CgroupExporter, V2ValuesMatchTheKernelFilesWithTheSystemdDriver) {
  const std::string tree = kFixtures + "/v2-systemd";
  Scraper h(tree);
  auto e = Parse(h.Scrape().first);
  const std::string c = "/system.slice/docker-" + kC + ".scope";
  const std::string d =
      "/system.slice/docker-dddd444444444444444444444444444444444444444444444444444444444444.scope";
  auto file = [&](const std::string& id, const char* name) {
    return ReadAll(tree + "/sys/fs/cgroup" + id + "/" + name);
  };
  auto key = [&](const std::string& id, const char* name, const char* k) {
    return static_cast<double>(*FlatKey(file(id, name), k));
  };
  EXPECT_DOUBLE_EQ(Value(e, "container_cpu_usage_seconds_total", {{"id", c}}),
                   key(c, "cpu.stat", "usage_usec") / 1e6);
  EXPECT_GT(Value(e, "container_cpu_usage_seconds_total", {{"id", c}}), 1.0);  // the busy one
  EXPECT_EQ(Value(e, "container_memory_rss", {{"id", c}}), key(c, "memory.stat", "anon"));
  EXPECT_GT(Value(e, "container_memory_rss", {{"id", c}}), 24 << 20);
  const double usage = std::stod(file(c, "memory.current"));
  EXPECT_EQ(Value(e, "container_memory_working_set_bytes", {{"id", c}}),
            usage - key(c, "memory.stat", "inactive_file"));
  EXPECT_EQ(Value(e, "container_memory_max_usage_bytes", {{"id", c}}),
            std::stod(file(c, "memory.peak")));
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
  EXPECT_NE(testing::FindSample(e, "container_pressure_cpu_waiting_seconds_total", {{"id", c}}),
            nullptr);
  // Task states from cgroup.threads: v2 has no cgroupstats, so never an iowait series.
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", c}, {"state", "sleeping"}}), 4);
  EXPECT_EQ(Value(e, "container_tasks_state", {{"id", d}, {"state", "sleeping"}}), 1);
  EXPECT_EQ(testing::FindSample(e, "container_tasks_state", {{"state", "iowait"}}), nullptr);
  // ssh.service in system.slice is not a container.
  for (const auto& [name, family] : e.families) {
    for (const auto& sample : family.samples) {
      EXPECT_EQ(sample.labels.at("id").find("ssh"), std::string::npos);
    }
  }
  // The containers share the VM's network namespace: only the root reports network, and
  // without lo.
  EXPECT_NE(testing::FindSample(e, "container_network_receive_bytes_total",
                                {{"id", "/"}, {"interface", "eth0"}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total",
                                {{"id", "/"}, {"interface", "lo"}}),
            nullptr);
  EXPECT_EQ(testing::FindSample(e, "container_network_receive_bytes_total", {{"id", c}}), nullptr);
}

TEST(CgroupExporter, TimestampsOnlyBehindTheFlag) {
  auto plain = Parse(Scraper(kFixtures + "/v2-systemd").Scrape().first);
  EXPECT_FALSE(testing::FindSample(plain, "container_memory_rss", {{"id", "/"}})->timestamp_ms);
  auto stamped = Parse(Scraper(kFixtures + "/v2-systemd", {"--cgroup.timestamps"}).Scrape().first);
  EXPECT_TRUE(testing::FindSample(stamped, "container_memory_rss", {{"id", "/"}})->timestamp_ms);
}

// --cgroup.id=docker: the systemd driver's /system.slice/docker-<id>.scope is labelled
// /docker/<id> (swarmprom's id=~"/docker/.*"), every value and other label unchanged, the
// root still "/"; the default keeps cAdvisor's cgroup path.
TEST(CgroupExporter, DockerIdsWhateverTheDriver) {
  const std::string tree = kFixtures + "/v2-systemd";
  const std::string d = "dddd444444444444444444444444444444444444444444444444444444444444";
  Scraper by_path(tree);
  Scraper by_docker(tree, {"--cgroup.id=docker"});
  FillInventory(by_path.inventory());
  FillInventory(by_docker.inventory());
  const std::string path_out = Normalize(by_path.Scrape().first);
  const std::string docker_out = Normalize(by_docker.Scrape().first);
  auto ids = [](const std::string& text) {
    std::set<std::string> out;
    for (const auto& [name, family] : Parse(text).families) {
      for (const auto& sample : family.samples) {
        out.insert(sample.labels.at("id"));
      }
    }
    return out;
  };
  EXPECT_EQ(ids(path_out), (std::set<std::string>{"/", "/system.slice/docker-" + kC + ".scope",
                                                  "/system.slice/docker-" + d + ".scope"}));
  EXPECT_EQ(ids(docker_out), (std::set<std::string>{"/", "/docker/" + kC, "/docker/" + d}));
  const std::regex scope(R"(id="/system\.slice/docker-([0-9a-f]{64})\.scope")");
  EXPECT_EQ(std::regex_replace(path_out, scope, R"(id="/docker/$1")"), docker_out);
  // The labels are rendered once and kept: a second scrape writes the same.
  EXPECT_EQ(Normalize(by_docker.Scrape().first), docker_out);
  // The inventory's labels ride along as before.
  EXPECT_EQ(
      testing::FindSample(Parse(docker_out), "container_memory_rss", {{"id", "/docker/" + kC}})
          ->labels.at("name"),
      "shop_db.1.q1w2e3r4t5y6u7i8");
}

TEST(CgroupExporter, IdFlagTakesPathOrDockerOnly) {
  const std::vector<ExporterSpec> specs = {CgroupExporterSpec()};
  const char* envp[] = {nullptr};
  for (const char* ok : {"--cgroup.id=path", "--cgroup.id=docker"}) {
    const char* argv[] = {"swarmscope", ok};
    EXPECT_EQ(ParseCommandLine(2, argv, envp, FlagsOf(specs)).action, ParseOutcome::Action::kRun)
        << ok;
  }
  const char* argv[] = {"swarmscope", "--cgroup.id=systemd"};
  const ParseOutcome bad = ParseCommandLine(2, argv, envp, FlagsOf(specs));
  EXPECT_EQ(bad.action, ParseOutcome::Action::kError);
  EXPECT_NE(bad.message.find("--cgroup.id"), std::string::npos) << bad.message;
  EXPECT_NE(bad.message.find("path, docker"), std::string::npos) << bad.message;
  const char* env_bad[] = {"SWARMSCOPE_CGROUP_ID=cgroupfs", nullptr};
  const char* plain[] = {"swarmscope"};
  EXPECT_EQ(ParseCommandLine(1, plain, env_bad, FlagsOf(specs)).action,
            ParseOutcome::Action::kError);
}

TEST(CgroupExporter, FlagsAreNamedAfterTheExporter) {
  const std::vector<ExporterSpec> specs = {CgroupExporterSpec()};
  std::set<std::string> names;
  const auto flags = FlagsOf(specs);
  for (const auto& f : flags[0].flags) {
    names.insert(f.name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"cgroup.parents", "cgroup.labels", "cgroup.timestamps",
                                          "cgroup.limits-refresh-interval", "cgroup.id"}));
  const char* argv[] = {"swarmscope", "--collector.cgroup.timestamps"};
  const char* envp[] = {nullptr};
  EXPECT_EQ(ParseCommandLine(2, argv, envp, FlagsOf(specs)).action, ParseOutcome::Action::kError);
}

// --- The metric table --------------------------------------------------------------------

// Naming rules over the whole metric table (STYLE.md): cAdvisor's names are kept, so
// the checks are the ones cAdvisor's names satisfy.
TEST(CgroupMetricTable, NamingRules) {
  std::set<std::string_view> seen;
  const std::regex name_re("^container_[a-z0-9_]+$");
  for (const auto& spec : CgroupMetricSpecs()) {
    EXPECT_TRUE(seen.insert(spec.name).second) << "duplicate " << spec.name;
    EXPECT_TRUE(std::regex_match(std::string(spec.name), name_re)) << spec.name;
    EXPECT_FALSE(spec.help.empty()) << spec.name;
    EXPECT_NE(spec.help.find('('), std::string_view::npos)
        << spec.name << ": HELP should name its source";
    const bool total = spec.name.size() > 6 && spec.name.substr(spec.name.size() - 6) == "_total";
    if (spec.type == MetricType::kCounter) {
      EXPECT_TRUE(total) << spec.name;
    }
    if (spec.type == MetricType::kGauge) {
      EXPECT_FALSE(total) << spec.name;
    }
  }
}

// The documented labels of each family (MetricSpec::labels, from which the README's table
// is generated) are the ones its samples carry beyond the common ones.
TEST(CgroupMetricTable, DocumentedLabelsAreTheOnesWritten) {
  std::map<std::string, std::set<std::string>> documented;
  for (const auto& spec : CgroupMetricSpecs()) {
    std::set<std::string>& labels = documented[std::string(spec.name)];
    std::stringstream list{std::string(spec.labels)};
    std::string label;
    while (std::getline(list, label, ',')) {
      labels.insert(label.substr(label.find_first_not_of(' ')));
    }
  }
  std::map<std::string, std::set<std::string>> written;
  for (const char* tree : {"v1", "hybrid", "v2-systemd"}) {
    Scraper h(kFixtures + "/" + tree);
    FillInventory(h.inventory());
    for (const auto& [name, family] : Parse(h.Scrape().first).families) {
      for (const auto& sample : family.samples) {
        for (const auto& [label, value] : sample.labels) {
          if (label != "id" && label != "name" && label != "image" &&
              label.rfind("container_label_", 0) != 0) {
            written[name].insert(label);
          }
        }
      }
      written.try_emplace(name);
    }
  }
  for (const auto& [name, labels] : written) {
    ASSERT_TRUE(documented.count(name)) << name;
    EXPECT_EQ(labels, documented[name]) << name;
  }
}

}  // namespace
}  // namespace swarmscope::cgroup
