// The renderer of the per-daemon counters (daemon_metrics.h) on outputs captured from a real
// Pacific cluster (tests/fixtures/ceph/pacific, asok/), checked against what the cluster's
// mgr prometheus module printed for the same daemons (mgr_metrics.prom).

#include "exporters/ceph/daemon_metrics.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "collector/metric_writer.h"
#include "exporters/ceph/perf_parsers.h"
#include "tests/support/exposition_parser.h"
#include "tests/unit/exporters/ceph/asok_test_support.h"

namespace swarmscope::ceph {
namespace {

using swarmscope::testing::Exposition;
using swarmscope::testing::FindSample;
using testing::Pacific;
using testing::Parse;
using testing::ValueOf;

// The mgr module's text, read loosely: its Pacific version repeats a TYPE line, which the
// strict test parser refuses.
struct MgrFamily {
  std::string help;
  std::string type;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> series_by_daemon;
  std::map<std::string, double> value_by_daemon;
};
std::map<std::string, MgrFamily> ParseMgrText(const std::string& text) {
  std::map<std::string, MgrFamily> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# HELP ")) {
      const std::string rest = line.substr(7);
      const size_t sp = rest.find(' ');
      out[rest.substr(0, sp)].help = sp == std::string::npos ? "" : rest.substr(sp + 1);
    } else if (line.starts_with("# TYPE ")) {
      const std::string rest = line.substr(7);
      const size_t sp = rest.find(' ');
      out[rest.substr(0, sp)].type = rest.substr(sp + 1);
    } else if (!line.empty() && line[0] != '#') {
      const size_t brace = line.find('{');
      const size_t close = line.rfind('}');
      if (brace == std::string::npos || close == std::string::npos) {
        continue;
      }
      std::map<std::string, std::string> labels;
      std::string body = line.substr(brace + 1, close - brace - 1);
      size_t pos = 0;
      while (pos < body.size()) {
        const size_t eq = body.find("=\"", pos);
        const size_t end = body.find('"', eq + 2);
        labels[body.substr(pos, eq - pos)] = body.substr(eq + 2, end - eq - 2);
        pos = end + 2;
      }
      MgrFamily& f = out[line.substr(0, brace)];
      const std::string daemon = labels.contains("ceph_daemon") ? labels["ceph_daemon"] : "";
      f.series_by_daemon[daemon].push_back(labels);
      f.value_by_daemon[daemon] = std::strtod(line.c_str() + close + 2, nullptr);
    }
  }
  return out;
}

struct Fixtures {
  PerfSchema osd_schema = ParsePerfSchema(Pacific("asok_osd_perf_schema.json"));
  PerfDump osd_dump = ParsePerfDump(Pacific("asok_osd_perf_dump.json"));
  PerfSchema mon_schema = ParsePerfSchema(Pacific("asok_mon_perf_schema.json"));
  PerfDump mon_dump = ParsePerfDump(Pacific("asok_mon_perf_dump.json"));
  PerfSchema mds_schema = ParsePerfSchema(Pacific("asok_mds_perf_schema.json"));
  PerfDump mds_dump = ParsePerfDump(Pacific("asok_mds_perf_dump.json"));

  std::vector<DaemonData> Daemons() const {
    return {{"mds", "a", true, &mds_schema, &mds_dump, std::nullopt},
            {"mon", "a", true, &mon_schema, &mon_dump, 0},
            {"osd", "0", true, &osd_schema, &osd_dump, 0}};
  }
};

std::string Render(const std::vector<DaemonData>& daemons, const LabelSet& base = {}) {
  FamilyTexts texts;
  MetricWriter w;
  WriteDaemonCounters(daemons, base, w, texts);
  EXPECT_EQ(w.out_of_order(), 0u);
  return w.text();
}

TEST(DaemonCountersRender, HandCheckedFamilies) {
  const Fixtures f;
  const Exposition e = Parse(Render(f.Daemons()));
  // A counter.
  ASSERT_TRUE(e.families.contains("ceph_osd_op_r"));
  EXPECT_EQ(e.families.at("ceph_osd_op_r").type, "counter");
  EXPECT_EQ(e.families.at("ceph_osd_op_r").help, "Client read operations");
  EXPECT_EQ(ValueOf(e, "ceph_osd_op_r", "osd.0"), 0);
  // A long-running average of time: _sum in seconds (type as the module says: counter) and
  // _count.
  ASSERT_TRUE(e.families.contains("ceph_osd_op_w_process_latency_sum"));
  EXPECT_FALSE(e.families.contains("ceph_osd_op_w_process_latency"));
  EXPECT_EQ(e.families.at("ceph_osd_op_w_process_latency_sum").type, "counter");
  EXPECT_EQ(e.families.at("ceph_osd_op_w_process_latency_sum").help,
            "Latency of write operation (excluding queue time) Total");
  EXPECT_EQ(e.families.at("ceph_osd_op_w_process_latency_count").type, "counter");
  EXPECT_EQ(e.families.at("ceph_osd_op_w_process_latency_count").help,
            "Latency of write operation (excluding queue time) Count");
  EXPECT_DOUBLE_EQ(ValueOf(e, "ceph_osd_op_w_process_latency_sum", "osd.0"), 0.002381691);
  EXPECT_EQ(ValueOf(e, "ceph_osd_op_w_process_latency_count", "osd.0"), 8);
  EXPECT_EQ(ValueOf(e, "ceph_osd_op_r_latency_count", "osd.0"), 0);
  // Gauges.
  EXPECT_EQ(e.families.at("ceph_osd_stat_bytes").type, "gauge");
  EXPECT_EQ(e.families.at("ceph_osd_stat_bytes").help, "OSD size");
  EXPECT_EQ(ValueOf(e, "ceph_osd_stat_bytes", "osd.0"), 1073741824);
  EXPECT_EQ(ValueOf(e, "ceph_osd_numpg", "osd.0"), 8);
  EXPECT_EQ(e.families.at("ceph_mon_num_sessions").type, "gauge");
  EXPECT_EQ(ValueOf(e, "ceph_mon_num_sessions", "mon.a"), 10);
  EXPECT_EQ(ValueOf(e, "ceph_mon_num_elections", "mon.a"), 2);
  EXPECT_EQ(ValueOf(e, "ceph_mds_inodes", "mds.a"), 10);
  EXPECT_EQ(ValueOf(e, "ceph_mds_request", "mds.a"), 2);
  EXPECT_DOUBLE_EQ(ValueOf(e, "ceph_mds_reply_latency_sum", "mds.a"), 0.00032253);
  // ':' stays, as in the module.
  EXPECT_TRUE(e.families.contains("ceph_prioritycache:full_pri0_bytes"));
  // Below PRIO_USEFUL: left out.
  EXPECT_FALSE(e.families.contains("ceph_AsyncMessenger_Worker_0_msgr_recv_bytes"));
  EXPECT_FALSE(e.families.contains("ceph_osd_op_before_queue_op_lat_sum"));
  // SLOW_OPS for the mon and the OSD, none for the MDS (it reports none to the mgr).
  const auto* slow =
      FindSample(e, "ceph_daemon_health_metrics", {{"type", "SLOW_OPS"}, {"ceph_daemon", "osd.0"}});
  ASSERT_NE(slow, nullptr);
  EXPECT_EQ(slow->value, 0);
  EXPECT_EQ(e.families.at("ceph_daemon_health_metrics").samples.size(), 2u);
  EXPECT_EQ(e.families.at("swarmscope_ceph_daemon_socket_up").samples.size(), 3u);
}

// Every per-daemon family the module printed for mds.a, mon.a and osd.0 is here with the
// same name, type, HELP and label names, and nothing else is; static values agree.
TEST(DaemonCountersRender, SameFamiliesAsTheMgrModule) {
  const Fixtures f;
  const Exposition mine = Parse(Render(f.Daemons()));
  const auto mgr = ParseMgrText(Pacific("mgr_metrics.prom"));
  // The module's families about these daemons that come from the cluster maps, not from
  // perf counters (the cluster side of the exporter writes them).
  const std::set<std::string> kClusterSide = {"ceph_mon_quorum_status",
                                              "ceph_mon_metadata",
                                              "ceph_mds_metadata",
                                              "ceph_osd_metadata",
                                              "ceph_osd_up",
                                              "ceph_osd_in",
                                              "ceph_osd_weight",
                                              "ceph_osd_apply_latency_ms",
                                              "ceph_osd_commit_latency_ms",
                                              "ceph_disk_occupation",
                                              "ceph_disk_occupation_human"};
  size_t compared = 0;
  for (const auto& [name, family] : mgr) {
    for (const std::string daemon : {"mds.a", "mon.a", "osd.0"}) {
      const auto it = family.series_by_daemon.find(daemon);
      if (it == family.series_by_daemon.end() || kClusterSide.contains(name)) {
        continue;
      }
      ASSERT_TRUE(mine.families.contains(name)) << name << " for " << daemon;
      const auto& ours = mine.families.at(name);
      EXPECT_EQ(ours.type, family.type) << name;
      EXPECT_EQ(ours.help, family.help) << name;
      if (name == "ceph_daemon_health_metrics") {
        continue;  // PENDING_CREATING_PGS is the module's only: no socket shows it (README)
      }
      const auto* s = FindSample(mine, name, {{"ceph_daemon", daemon}});
      ASSERT_NE(s, nullptr) << name << " " << daemon;
      EXPECT_EQ(s->labels, it->second.front()) << name;
      ++compared;
    }
  }
  EXPECT_GT(compared, 300u);
  // And nothing the module lacks (the fixtures' daemons are the module's).
  for (const auto& name : mine.order) {
    if (name == "swarmscope_ceph_daemon_socket_up") {
      continue;
    }
    EXPECT_TRUE(mgr.contains(name)) << name;
  }
  // Values that do not move between the two captures.
  for (const auto& [name, daemon] :
       std::vector<std::pair<std::string, std::string>>{{"ceph_osd_stat_bytes", "osd.0"},
                                                        {"ceph_osd_numpg", "osd.0"},
                                                        {"ceph_mon_num_elections", "mon.a"},
                                                        {"ceph_mds_inodes", "mds.a"},
                                                        {"ceph_mds_request", "mds.a"}}) {
    EXPECT_EQ(ValueOf(mine, name, daemon), mgr.at(name).value_by_daemon.at(daemon)) << name;
  }
}

TEST(DaemonCountersRender, FamilyMajorWithBaseLabels) {
  const Fixtures f;
  PerfDump osd1 = f.osd_dump;
  osd1["osd.numpg"].integer = 17;
  std::vector<DaemonData> daemons = f.Daemons();
  daemons.push_back({"osd", "1", true, &f.osd_schema, &osd1, 3});
  daemons.push_back({"osd", "2", false, nullptr, nullptr, std::nullopt});
  LabelSet base;
  base.Add("cluster", "ceph");
  const std::string text = Render(daemons, base);
  const Exposition e = Parse(text);  // the strict parser refuses a family split in two
  EXPECT_NE(text.find("ceph_osd_numpg{cluster=\"ceph\",ceph_daemon=\"osd.0\"} 8\n"
                      "ceph_osd_numpg{cluster=\"ceph\",ceph_daemon=\"osd.1\"} 17\n"),
            std::string::npos);
  EXPECT_NE(text.find("ceph_daemon_health_metrics{cluster=\"ceph\",type=\"SLOW_OPS\","
                      "ceph_daemon=\"osd.1\"} 3\n"),
            std::string::npos);
  EXPECT_EQ(FindSample(e, "swarmscope_ceph_daemon_socket_up", {{"ceph_daemon", "osd.2"}})->value,
            0);
  EXPECT_EQ(FindSample(e, "swarmscope_ceph_daemon_socket_up", {{"ceph_daemon", "osd.1"}})->value,
            1);
  EXPECT_EQ(FindSample(e, "ceph_osd_numpg", {{"ceph_daemon", "osd.2"}}), nullptr);
  size_t helps = 0;
  for (size_t p = text.find("# HELP ceph_osd_numpg "); p != std::string::npos;
       p = text.find("# HELP ceph_osd_numpg ", p + 1)) {
    ++helps;
  }
  EXPECT_EQ(helps, 1u);
}

TEST(DaemonCountersRender, TheWriterStaysUsableAndTextsAreReused) {
  const Fixtures f;
  FamilyTexts texts;
  MetricWriter w;
  WriteDaemonCounters(f.Daemons(), {}, w, texts);
  const std::string first = w.text();
  const size_t kept = texts.size();
  // The writer still looks at the families' names (kept by `texts`) when asked for more.
  w.Family({"zz_after", MetricType::kGauge, "after"}).Add(1);
  EXPECT_EQ(w.out_of_order(), 0u);
  w.Reset();
  WriteDaemonCounters(f.Daemons(), {}, w, texts);
  EXPECT_EQ(w.text(), first);
  EXPECT_EQ(texts.size(), kept);  // nothing stored twice
}

TEST(DaemonCountersRender, NamesTypesAndSpecialDaemons) {
  const PerfSchema schema = ParsePerfSchema(R"({
    "throttle-msgr_dispatch_throttler-radosclient": {"val": {"type": 2, "priority": 5, "description": "Currently available throttle"}},
    "trailing-": {"x-y": {"type": 2, "priority": 5, "description": "t"}},
    "AsyncMessenger::Worker-0": {"msgr_recv_bytes": {"type": 10, "priority": 5, "description": "Network received bytes"}},
    "a+b": {"c d": {"type": 2, "priority": 5, "description": ""}},
    "t": {"time_gauge": {"type": 1, "priority": 5, "description": "tg"},
          "u64_avg": {"type": 6, "priority": 5, "description": "ua"},
          "hist": {"type": 26, "priority": 5, "description": "h"},
          "low": {"type": 2, "priority": 4, "description": "l"},
          "odd": {"type": 12, "priority": 5, "description": "o"}},
    "rbd_mirror_image_pool1/ns1/img.v2": {"replay": {"type": 10, "priority": 5, "description": "Replays"}},
    "rbd_mirror_image_pool2/img2": {"replay_bytes": {"type": 10, "priority": 5, "description": "Replayed data"}}
  })");
  const PerfDump dump = ParsePerfDump(R"({
    "throttle-msgr_dispatch_throttler-radosclient": {"val": 7},
    "trailing-": {"x-y": 1},
    "AsyncMessenger::Worker-0": {"msgr_recv_bytes": 18446744073709551615},
    "a+b": {"c d": 2},
    "t": {"time_gauge": 1.500000000, "u64_avg": {"avgcount": 4, "sum": 40}, "hist": 1,
          "low": 1, "odd": 1},
    "rbd_mirror_image_pool1/ns1/img.v2": {"replay": 5},
    "rbd_mirror_image_pool2/img2": {"replay_bytes": 6}
  })");
  const std::string text = Render({{"osd", "0", true, &schema, &dump, std::nullopt},
                                   {"rbd-mirror", "m", true, &schema, &dump, std::nullopt},
                                   {"rgw", "gw1", true, &schema, &dump, std::nullopt}});
  const Exposition e = Parse(text);
  EXPECT_TRUE(e.families.contains("ceph_throttle_msgr_dispatch_throttler_radosclient_val"));
  EXPECT_TRUE(e.families.contains("ceph_trailing__x_y"));
  EXPECT_TRUE(e.families.contains("ceph_AsyncMessenger_Worker_0_msgr_recv_bytes"));
  EXPECT_NE(text.find("ceph_AsyncMessenger_Worker_0_msgr_recv_bytes{ceph_daemon=\"osd.0\"} "
                      "18446744073709551615\n"),
            std::string::npos);
  EXPECT_TRUE(e.families.contains("ceph_a_plusb_c_d"));
  EXPECT_EQ(e.families.at("ceph_a_plusb_c_d").help, "");
  EXPECT_EQ(e.families.at("ceph_t_time_gauge").type, "gauge");
  EXPECT_EQ(ValueOf(e, "ceph_t_time_gauge", "osd.0"), 1.5);
  EXPECT_EQ(e.families.at("ceph_t_u64_avg_sum").type, "counter");
  EXPECT_EQ(ValueOf(e, "ceph_t_u64_avg_sum", "osd.0"), 40);
  EXPECT_EQ(ValueOf(e, "ceph_t_u64_avg_count", "osd.0"), 4);
  EXPECT_FALSE(e.families.contains("ceph_t_hist"));
  EXPECT_FALSE(e.families.contains("ceph_t_low"));
  EXPECT_FALSE(e.families.contains("ceph_t_odd"));
  // rgw: instance_id instead of ceph_daemon.
  EXPECT_NE(FindSample(e, "ceph_t_time_gauge", {{"instance_id", "gw1"}}), nullptr);
  EXPECT_EQ(FindSample(e, "ceph_t_time_gauge", {{"ceph_daemon", "rgw.gw1"}}), nullptr);
  // rbd-mirror image counters: one family, the image in labels; other daemons keep the path.
  const auto* replay = FindSample(e, "ceph_rbd_mirror_image_replay",
                                  {{"ceph_daemon", "rbd-mirror.m"},
                                   {"pool", "pool1"},
                                   {"namespace", "ns1"},
                                   {"image", "img.v2"}});
  ASSERT_NE(replay, nullptr);
  EXPECT_EQ(replay->value, 5);
  const auto* bytes = FindSample(
      e, "ceph_rbd_mirror_image_replay_bytes",
      {{"ceph_daemon", "rbd-mirror.m"}, {"pool", "pool2"}, {"namespace", ""}, {"image", "img2"}});
  ASSERT_NE(bytes, nullptr);
  EXPECT_TRUE(e.families.contains("ceph_rbd_mirror_image_pool1_ns1_img_v2_replay"));
}

TEST(DaemonCountersRender, HistogramsOfARealOsdAreSkipped) {
  // Pacific keeps the histograms out of `perf schema`; they are in `perf histogram schema`,
  // with the histogram bit (type 26 = 0x10|8|2).
  const PerfSchema hist = ParsePerfSchema(Pacific("asok/osd_perf_histogram_schema.json"));
  ASSERT_FALSE(hist.empty());
  PerfDump dump;
  for (const auto& c : hist) {
    EXPECT_TRUE(c.type & kPerfHistogram) << c.path;
    EXPECT_GE(c.priority, kPrioUseful);
    dump[c.path].value = 1;
  }
  const Exposition e = Parse(Render({{"osd", "0", true, &hist, &dump, std::nullopt}}));
  EXPECT_EQ(e.order, std::vector<std::string>{"swarmscope_ceph_daemon_socket_up"});
}

TEST(DaemonCountersRender, FixedSpecs) {
  const auto& specs = DaemonCounterSpecs();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "ceph_daemon_health_metrics");
  EXPECT_EQ(specs[0].help, "Health metrics for Ceph daemons");  // the module's
  EXPECT_EQ(specs[1].name, "swarmscope_ceph_daemon_socket_up");
  for (const auto& s : specs) {
    EXPECT_EQ(s.type, MetricType::kGauge);
  }
}

}  // namespace
}  // namespace swarmscope::ceph
