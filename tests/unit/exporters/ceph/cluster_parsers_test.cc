// The parsers of the cluster commands, on outputs captured from a real Pacific cluster
// (tests/fixtures/ceph/pacific) and on what Ceph gets wrong or a broken link delivers.

#include "exporters/ceph/cluster_parsers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "exporters/ceph/json_util.h"
#include "tests/unit/exporters/ceph/fixtures.h"

namespace swarmscope::ceph {
namespace {

using testing::ReadFixture;

TEST(CephParsers, HealthOkAndWarn) {
  const Health ok = ParseHealth(ReadFixture("health_detail.json"));
  EXPECT_EQ(ok.status, 0);
  EXPECT_TRUE(ok.checks.empty());
  EXPECT_FALSE(ok.slow_ops);
  const Health warn = ParseHealth(ReadFixture("health_detail_warn.json"));
  EXPECT_EQ(warn.status, 1);
  ASSERT_TRUE(warn.checks.contains("OSD_DOWN"));
  EXPECT_EQ(warn.checks.at("OSD_DOWN"), "HEALTH_WARN");
}

TEST(CephParsers, SlowOpsCountFromItsMessage) {
  const Health h = ParseHealth(
      R"({"status":"HEALTH_WARN","checks":{"SLOW_OPS":{"severity":"HEALTH_WARN","summary":)"
      R"({"message":"42 slow ops, oldest one blocked for 12 sec, daemons [osd.0,osd.3] have slow ops.","count":42}}}})");
  ASSERT_TRUE(h.slow_ops);
  EXPECT_EQ(*h.slow_ops, 42);
  // A message of another shape: no count rather than a wrong one.
  const Health odd = ParseHealth(
      R"({"status":"HEALTH_WARN","checks":{"SLOW_OPS":{"severity":"HEALTH_WARN","summary":{"message":"some slow ops"}}}})");
  EXPECT_FALSE(odd.slow_ops);
  EXPECT_THROW(ParseHealth(R"({"status":"HEALTH_MAYBE"})"), std::invalid_argument);
}

TEST(CephParsers, DfDetail) {
  const Df df = ParseDf(ReadFixture("df_detail.json"));
  EXPECT_EQ(df.total_bytes, 2147483648.0);
  ASSERT_EQ(df.pools.size(), 4u);
  const Df::Pool& data = df.pools[1];
  EXPECT_EQ(data.id, 2);
  size_t objects = 0;
  size_t quota = 0;
  for (size_t i = 0; i < kPoolDfStats.size(); ++i) {
    objects = kPoolDfStats[i] == "objects" ? i : objects;
    quota = kPoolDfStats[i] == "quota_objects" ? i : quota;
    EXPECT_TRUE(data.present[i]) << kPoolDfStats[i];
  }
  EXPECT_EQ(data.stats[objects], 5);
  EXPECT_EQ(data.stats[quota], 1000);
}

TEST(CephParsers, MapsAndMetadata) {
  const MonMap mons = ParseMonMap(ReadFixture("mon_dump.json"));
  ASSERT_EQ(mons.mons.size(), 1u);
  EXPECT_EQ(mons.mons[0].name, "a");
  EXPECT_EQ(mons.mons[0].public_addr, "127.0.0.1");
  EXPECT_TRUE(mons.mons[0].in_quorum);

  const FsMap fs = ParseFsDump(ReadFixture("fs_dump.json"));
  ASSERT_EQ(fs.filesystems.size(), 1u);
  EXPECT_EQ(fs.filesystems[0].name, "cephfs");
  EXPECT_EQ(fs.filesystems[0].data_pools, "4");
  EXPECT_EQ(fs.filesystems[0].metadata_pool, "3");
  ASSERT_EQ(fs.mds.size(), 1u);
  EXPECT_EQ(fs.mds[0].rank, "0");

  const OsdMap osds = ParseOsdDump(ReadFixture("osd_dump.json"));
  ASSERT_EQ(osds.osds.size(), 2u);
  EXPECT_EQ(osds.osds[0].up, 1);
  EXPECT_TRUE(osds.flags.contains("sortbitwise"));
  EXPECT_FALSE(osds.flags.contains("noout"));
  ASSERT_EQ(osds.pools.size(), 4u);
  EXPECT_EQ(osds.pools[1].description, "replica:1");
  EXPECT_EQ(osds.pools[1].compression_mode, "none");
  const OsdMap down = ParseOsdDump(ReadFixture("osd_dump_osd_down.json"));
  EXPECT_EQ(down.osds[0].up, 0);

  const CrushClasses classes = ParseCrushDump(ReadFixture("osd_crush_dump.json"));
  EXPECT_EQ(classes.at(0), "hdd");

  const MgrMap mgrs = ParseMgrDump(ReadFixture("mgr_dump.json"));
  EXPECT_EQ(mgrs.active, "x");
  EXPECT_TRUE(mgrs.enabled.contains("prometheus"));
  EXPECT_TRUE(mgrs.always_on.contains("pacific"));
  EXPECT_FALSE(mgrs.available.empty());

  const DaemonInfos osd_info = ParseMetadata(ReadFixture("osd_metadata.json"));
  ASSERT_TRUE(osd_info.contains("0"));
  EXPECT_EQ(osd_info.at("0").objectstore, "memstore");
  EXPECT_NE(osd_info.at("0").ceph_version.find("16.2"), std::string::npos);
  const DaemonInfos mgr_info = ParseMetadata(ReadFixture("mgr_metadata.json"));
  EXPECT_EQ(mgr_info.at("x").ceph_release, "pacific");
}

TEST(CephParsers, MgrServedCommands) {
  const auto perf = ParseOsdPerf(ReadFixture("osd_perf.json"));
  EXPECT_EQ(perf.size(), 2u);
  const auto recovery = ParsePoolStats(ReadFixture("osd_pool_stats.json"));
  EXPECT_EQ(recovery.size(), 4u);
  const PoolRepaired repaired = ParsePgDumpPools(ReadFixture("pg_dump_pools.json"));
  EXPECT_EQ(repaired.size(), 4u);
  const Status status = ParseStatus(ReadFixture("status.json"));
  EXPECT_EQ(status.objects.degraded, 0);
  EXPECT_EQ(status.health.status, 0);
  EXPECT_EQ(status.osdmap_epoch, 17);
  EXPECT_EQ(status.quorum, std::set<int64_t>{0});
  const Status down = ParseStatus(ReadFixture("status_osd_down.json"));
  EXPECT_EQ(down.health.status, 1);
  EXPECT_TRUE(down.health.checks.contains("OSD_DOWN"));
  // quorum_status holds the same map.
  EXPECT_EQ(ParseMonMap(ReadFixture("quorum_status.json")).mons.size(), 1u);
}

TEST(CephParsers, PgStatesSplitAndCounted) {
  const PgStates pgs = ParsePgsBrief(ReadFixture("pg_dump_pgs_brief.json"));
  int64_t total = 0;
  for (const auto& [pool, states] : pgs.by_pool) {
    EXPECT_EQ(states.at("active"), states.at("total")) << pool;
    EXPECT_EQ(states.at("clean"), states.at("total")) << pool;
    total += states.at("total");
  }
  EXPECT_EQ(total, 25);
  // Older releases print a bare list; states combine with '+'.
  const PgStates old = ParsePgsBrief(
      R"([{"pgid":"3.1f","state":"active+undersized+degraded"},{"pgid":"3.2","state":"peering"}])");
  EXPECT_EQ(old.by_pool.at(3).at("total"), 2);
  EXPECT_EQ(old.by_pool.at(3).at("degraded"), 1);
  EXPECT_EQ(old.by_pool.at(3).at("peering"), 1);
}

TEST(CephParsers, BrokenOutputIsAClearError) {
  const std::string df = ReadFixture("df_detail.json");
  const std::string pgs = ReadFixture("pg_dump_pgs_brief.json");
  for (const std::string& text :
       {df.substr(0, df.size() / 2), std::string("garbage"), std::string(""), std::string("{}"),
        std::string("[][]"), std::string("\x01\x02\xff")}) {
    EXPECT_THROW(ParseDf(text), std::invalid_argument) << text.substr(0, 40);
  }
  try {
    ParseDf(df.substr(0, df.size() / 2));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParsePgsBrief(pgs.substr(0, pgs.size() - 10)), std::invalid_argument);
  EXPECT_THROW(ParsePgsBrief("{\"pg_stats\": [}"), std::invalid_argument);
  // A number no double holds.
  EXPECT_THROW(ParseDf(R"({"stats":{"total_bytes":1e999},"pools":[]})"), std::invalid_argument);
  // Pacific's `osd blocklist ls` prints two JSON documents back to back.
  EXPECT_THROW(ParseJson(ReadFixture("osd_blocklist_ls.txt")), std::invalid_argument);
}

TEST(CephParsers, OversizedOutputIsRefused) {
  const std::string huge(kMaxOutputBytes + 1, ' ');
  try {
    ParseJson(huge);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("oversized"), std::string::npos);
  }
  EXPECT_THROW(ParsePgsBrief(huge), std::invalid_argument);
}

TEST(CephParsers, BareInfAndNanAsCephPrintsThem) {
  const auto quoted =
      QuoteNonFiniteNumbers(R"({"a": inf, "b": -inf, "c": nan, "d": "inf", "e": [nan]})");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(*quoted, R"({"a": "+Inf", "b": "-Inf", "c": "NaN", "d": "inf", "e": ["NaN"]})");
  EXPECT_FALSE(QuoteNonFiniteNumbers(R"({"info": "nan", "x": 1})"));
  const Df df = ParseDf(
      R"({"stats":{"total_bytes":1},"pools":[{"id":7,"stats":{"percent_used":inf,"max_avail":nan}}]})");
  ASSERT_EQ(df.pools.size(), 1u);
  size_t pct = 0;
  size_t avail = 0;
  for (size_t i = 0; i < kPoolDfStats.size(); ++i) {
    pct = kPoolDfStats[i] == "percent_used" ? i : pct;
    avail = kPoolDfStats[i] == "max_avail" ? i : avail;
  }
  EXPECT_TRUE(std::isinf(df.pools[0].stats[pct]));
  EXPECT_TRUE(std::isnan(df.pools[0].stats[avail]));
}

TEST(CephParsers, WrongShapesAreErrorsNotCrashes) {
  for (const char* text :
       {"[]", "1", "\"x\"", "null", R"({"osds": 5})", R"({"osds": [1, "x", null]})"}) {
    EXPECT_NO_FATAL_FAILURE({
      try {
        ParseOsdDump(text);
      } catch (const std::invalid_argument&) {
      }
    });
  }
  EXPECT_THROW(ParseOsdDump("[]"), std::invalid_argument);
  EXPECT_THROW(ParseMetadata("{}"), std::invalid_argument);
  EXPECT_THROW(ParseMonMap("[]"), std::invalid_argument);
}

}  // namespace
}  // namespace swarmscope::ceph
