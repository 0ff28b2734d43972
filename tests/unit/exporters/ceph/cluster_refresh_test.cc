// The cluster refresh and the exporter on captured outputs of a real Pacific cluster
// (through a Cluster that answers with them): the rendering, the golden file, what happens
// when commands fail, and the exporter's answers before and after the first refresh.

#include "exporters/ceph/cluster_refresh.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "collector/node_role.h"
#include "exporters/ceph/ceph_exporter.h"
#include "tests/support/exporter_harness.h"
#include "tests/support/exposition_parser.h"
#include "tests/unit/exporters/ceph/fixtures.h"

namespace swarmscope::ceph {
namespace {

using swarmscope::testing::FindSample;
using swarmscope::testing::ParseExposition;
using testing::FixtureCluster;

class CountingErrors : public ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view message, LogFields) override {
    std::lock_guard lock(mu_);
    causes.emplace_back(cause);
    messages.emplace_back(message);
  }
  std::mutex mu_;
  std::vector<std::string> causes;
  std::vector<std::string> messages;
};

class RefreshTest : public ::testing::Test {
 protected:
  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  NodeRole node_{"", "", ClusterMetrics::kAlways};
  CountingErrors errors_;
  FixtureCluster cluster_;
  ~RefreshTest() override { std::fclose(devnull_); }

  ClusterRefresh Make(RefreshOptions o = {}) {
    return ClusterRefresh([] { return std::unique_ptr<Cluster>(); }, o, node_, errors_, log_);
  }
};

TEST_F(RefreshTest, RendersEveryFamilyOfTheCapturedCluster) {
  ClusterRefresh r = Make();
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  const ClusterSnapshot s = r.Snapshot();
  EXPECT_TRUE(s.ok) << s.problem;
  EXPECT_FALSE(s.pending);
  ASSERT_TRUE(s.text);
  std::string error;
  const auto e = ParseExposition(*s.text, &error);
  ASSERT_TRUE(e) << error;
  for (const char* family : {"ceph_health_status",
                             "ceph_mon_quorum_status",
                             "ceph_mon_metadata",
                             "ceph_mgr_metadata",
                             "ceph_mgr_status",
                             "ceph_mgr_module_status",
                             "ceph_mgr_module_can_run",
                             "ceph_fs_metadata",
                             "ceph_mds_metadata",
                             "ceph_osd_flag_noout",
                             "ceph_osd_metadata",
                             "ceph_osd_up",
                             "ceph_osd_in",
                             "ceph_osd_weight",
                             "ceph_osd_apply_latency_ms",
                             "ceph_osd_commit_latency_ms",
                             "ceph_pool_metadata",
                             "ceph_cluster_total_bytes",
                             "ceph_pool_stored",
                             "ceph_pool_max_avail",
                             "ceph_pool_percent_used",
                             "ceph_pool_quota_bytes",
                             "ceph_pool_rd",
                             "ceph_pool_wr_bytes",
                             "ceph_pool_recovering_objects_per_sec",
                             "ceph_pool_objects_repaired",
                             "ceph_pg_total",
                             "ceph_pg_active",
                             "ceph_pg_clean",
                             "ceph_num_objects_degraded",
                             "ceph_healthcheck_slow_ops"}) {
    EXPECT_TRUE(e->families.contains(family)) << family;
  }
  EXPECT_EQ(e->families.at("ceph_pool_rd").type, "counter");
  EXPECT_EQ(e->families.at("ceph_osd_up").type, "untyped");
  EXPECT_EQ(e->families.at("ceph_pg_total").type, "gauge");
  const auto* up = FindSample(*e, "ceph_osd_up", {{"ceph_daemon", "osd.0"}});
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->value, 1);
  const auto* health = FindSample(*e, "ceph_health_status");
  ASSERT_NE(health, nullptr);
  EXPECT_EQ(health->value, 0);
  const auto* active = FindSample(*e, "ceph_pg_active", {});
  ASSERT_NE(active, nullptr);
  EXPECT_TRUE(active->labels.contains("pool_id"));
  EXPECT_EQ(errors_.causes.size(), 0u);
}

TEST_F(RefreshTest, GoldenOutput) {
  ClusterRefresh r = Make();
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  const std::string out = *r.Snapshot().text;
  const std::string golden = std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/golden/ceph_cluster.prom";
  if (std::getenv("SWARMSCOPE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << out;
  }
  EXPECT_EQ(out, testing::ReadFixture("../../../golden/ceph_cluster.prom"))
      << "SWARMSCOPE_UPDATE_GOLDEN=1 rewrites " << golden;
}

TEST_F(RefreshTest, ClusterLabelOnEverySeries) {
  RefreshOptions o;
  o.base.Add("cluster", "east");
  ClusterRefresh r = Make(o);
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  const auto e = ParseExposition(*r.Snapshot().text);
  ASSERT_TRUE(e);
  size_t samples = 0;
  for (const auto& [name, family] : e->families) {
    for (const auto& s : family.samples) {
      ++samples;
      EXPECT_EQ(s.labels.count("cluster"), 1u) << name;
    }
  }
  EXPECT_GT(samples, 100u);
}

TEST_F(RefreshTest, DeadMonitorsKeepThePreviousRendering) {
  ClusterRefresh r = Make();
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  const auto first = r.Snapshot();
  for (const CommandSpec& c : ClusterCommands()) {
    cluster_.Set(std::string(c.name), {-ETIMEDOUT, "", "Connection timed out"});
  }
  EXPECT_FALSE(r.RefreshOnce(cluster_));
  const auto second = r.Snapshot();
  EXPECT_FALSE(second.ok);
  EXPECT_EQ(second.text, first.text);  // the same rendering, not an empty one
  EXPECT_EQ(second.data_time, first.data_time);
  EXPECT_EQ(second.problem, "the monitors did not answer");
  EXPECT_EQ(errors_.causes.size(), 5u);  // the first round; the maps were not asked for
}

TEST_F(RefreshTest, BeforeAnyAnswerThereIsNoRendering) {
  ClusterRefresh r = Make();
  cluster_.Set("status", {-ETIMEDOUT, "", "Connection timed out"});
  EXPECT_FALSE(r.RefreshOnce(cluster_));
  const auto s = r.Snapshot();
  EXPECT_TRUE(s.pending);
  EXPECT_FALSE(s.text);
}

TEST_F(RefreshTest, DeadManagerLeavesOutItsFamiliesOnly) {
  ClusterRefresh r = Make();
  for (const char* c : {"osd_perf", "osd_pool_stats", "pg_dump"}) {
    cluster_.Set(c, {-ETIMEDOUT, "", "Connection timed out"});
  }
  EXPECT_TRUE(r.RefreshOnce(cluster_));
  const auto s = r.Snapshot();
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.problem.find("osd_perf"), std::string::npos);
  const auto e = ParseExposition(*s.text);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->families.contains("ceph_health_status"));
  EXPECT_TRUE(e->families.contains("ceph_osd_up"));
  EXPECT_FALSE(e->families.contains("ceph_pg_total"));
  EXPECT_FALSE(e->families.contains("ceph_osd_apply_latency_ms"));
  size_t failed = 0;
  for (const auto& [name, ok] : s.commands) {
    failed += ok ? 0 : 1;
  }
  EXPECT_EQ(failed, 3u);
}

TEST_F(RefreshTest, GarbageOutputIsACountedParseError) {
  ClusterRefresh r = Make();
  cluster_.Set("osd_dump", {0, "{\"osds\": [ {\"osd\": 0, \"up\"", ""});
  cluster_.Set("df", {0, "[][]", ""});
  EXPECT_TRUE(r.RefreshOnce(cluster_));
  const auto s = r.Snapshot();
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(std::count(errors_.causes.begin(), errors_.causes.end(), "parse"), 2);
  const auto e = ParseExposition(*s.text);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->families.contains("ceph_osd_up"));
  EXPECT_FALSE(e->families.contains("ceph_pool_stored"));
  EXPECT_TRUE(e->families.contains("ceph_pg_total"));
}

TEST_F(RefreshTest, HealthHistoryKeepsClearedChecksAtZero) {
  ClusterRefresh r = Make();
  cluster_.Set("status", {0, testing::ReadFixture("status_osd_down.json"), ""});
  cluster_.Set("osd_dump", {0, testing::ReadFixture("osd_dump_osd_down.json"), ""});
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  auto e = ParseExposition(*r.Snapshot().text);
  ASSERT_TRUE(e);
  const auto* down = FindSample(*e, "ceph_health_detail", {{"name", "OSD_DOWN"}});
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->value, 1);
  EXPECT_EQ(down->labels.at("severity"), "HEALTH_WARN");
  EXPECT_EQ(FindSample(*e, "ceph_health_status")->value, 1);

  cluster_.Set("status", {0, testing::ReadFixture("status.json"), ""});
  cluster_.Set("osd_dump", {0, testing::ReadFixture("osd_dump.json"), ""});
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  e = ParseExposition(*r.Snapshot().text);
  down = FindSample(*e, "ceph_health_detail", {{"name", "OSD_DOWN"}});
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->value, 0);
}

TEST_F(RefreshTest, MetadataIsReadOnlyNowAndThen) {
  ClusterRefresh r = Make();
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  const int first = cluster_.calls();
  ASSERT_TRUE(r.RefreshOnce(cluster_));
  const int second = cluster_.calls() - first;
  EXPECT_EQ(second, 5);  // the maps' epochs did not move: only the first round
  EXPECT_EQ(first, 15);  // + the four maps, the metadata, CRUSH and the health history
  // The OSD and its labels stay.
  const auto e = ParseExposition(*r.Snapshot().text);
  EXPECT_NE(FindSample(*e, "ceph_osd_metadata", {{"ceph_daemon", "osd.0"}}), nullptr);
}

// The exporter, as the daemon runs it, over the captured cluster.
TEST(CephExporterTest, SaysSoBeforeTheFirstRefreshThenServesIt) {
  auto cluster = std::make_shared<FixtureCluster>();
  cluster->Set("status", {-ETIMEDOUT, "", "timed out"});
  struct Shared : Cluster {
    std::shared_ptr<FixtureCluster> inner;
    CommandResult Command(Target t, const std::string& json) override {
      return inner->Command(t, json);
    }
  };
  swarmscope::testing::ExporterHarness h(
      CephExporterSpec([cluster](const CephOptions&) {
        auto c = std::make_unique<Shared>();
        c->inner = cluster;
        return std::unique_ptr<Cluster>(std::move(c));
      }),
      {"--collector.ceph", "--cluster.metrics=always", "--ceph.refresh-interval=100ms",
       "--ceph.admin-socket-dir=/nonexistent"});
  auto r = h.Collect();
  EXPECT_FALSE(r.ok);
  auto e = ParseExposition(r.text);
  ASSERT_TRUE(e) << r.text;
  ASSERT_NE(FindSample(*e, "swarmscope_ceph_cluster_refresh_pending"), nullptr);
  EXPECT_EQ(FindSample(*e, "swarmscope_ceph_cluster_refresh_pending")->value, 1);
  EXPECT_FALSE(e->families.contains("ceph_health_status"));

  cluster->Set("status", {0, testing::ReadFixture("status.json"), ""});
  for (int i = 0; i < 100 && !r.ok; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = h.Collect();
  }
  ASSERT_TRUE(r.ok) << r.text;
  e = ParseExposition(r.text);
  ASSERT_TRUE(e);
  EXPECT_EQ(FindSample(*e, "swarmscope_ceph_cluster_refresh_pending")->value, 0);
  EXPECT_EQ(FindSample(*e, "swarmscope_ceph_cluster_refresh_success")->value, 1);
  EXPECT_NE(FindSample(*e, "ceph_health_status"), nullptr);
  EXPECT_NE(FindSample(*e, "swarmscope_ceph_command_success", {{"command", "osd_dump"}}), nullptr);
  EXPECT_EQ(r.out_of_order, 0u);
}

TEST(CephExporterTest, OnlyTheNodeThatWritesClusterSeriesReadsTheCluster) {
  std::atomic<int> connects{0};
  swarmscope::testing::ExporterHarness h(
      CephExporterSpec([&connects](const CephOptions&) -> std::unique_ptr<Cluster> {
        ++connects;
        return std::make_unique<FixtureCluster>();
      }),
      {"--collector.ceph", "--cluster.metrics=never", "--ceph.refresh-interval=50ms",
       "--ceph.admin-socket-dir=/nonexistent"});
  auto r = h.Collect();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  r = h.Collect();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(connects.load(), 0);
  const auto e = ParseExposition(r.text);
  ASSERT_TRUE(e);
  EXPECT_EQ(FindSample(*e, "swarmscope_ceph_cluster_writer")->value, 0);
  EXPECT_FALSE(e->families.contains("ceph_health_status"));
}

TEST(CephExporterTest, AFailingConnectIsRetriedNotFatal) {
  std::atomic<int> connects{0};
  swarmscope::testing::ExporterHarness h(
      CephExporterSpec([&connects](const CephOptions&) -> std::unique_ptr<Cluster> {
        ++connects;
        throw std::runtime_error("authentication refused for client.swarmscope");
      }),
      {"--collector.ceph", "--cluster.metrics=always", "--ceph.admin-socket-dir=/nonexistent"});
  h.Collect();
  for (int i = 0; i < 60 && connects.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(connects.load(), 2);  // 1 s backoff, then again
  const auto r = h.Collect();
  EXPECT_FALSE(r.ok);
  const auto e = ParseExposition(r.text);
  ASSERT_TRUE(e);
  EXPECT_EQ(FindSample(*e, "swarmscope_ceph_cluster_connected")->value, 0);
  EXPECT_NE(h.SelfText().find("cause=\"connect\""), std::string::npos) << h.SelfText();
}

}  // namespace
}  // namespace swarmscope::ceph
