// The per-daemon counters (admin sockets): the protocol against real AF_UNIX listeners that
// speak it with canned replies, the parsers and the renderer on outputs captured from a
// real Pacific cluster (tests/fixtures/ceph/pacific, asok/), checked against what the
// cluster's mgr prometheus module printed for the same daemons (mgr_metrics.prom).

#include "exporters/ceph/daemon_counters.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "exporters/ceph/admin_socket.h"
#include "tests/support/exposition_parser.h"

namespace swarmscope::ceph {
namespace {

using swarmscope::testing::Exposition;
using swarmscope::testing::FindSample;
using swarmscope::testing::ParseExposition;

std::string Pacific(const std::string& name) {
  const std::string path =
      std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/ceph/pacific/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Exposition Parse(const std::string& text) {
  std::string error;
  auto e = ParseExposition(text, &error);
  if (!e) {
    ADD_FAILURE() << error << "\n" << text.substr(0, 2000);
    return {};
  }
  return *e;
}

double ValueOf(const Exposition& e, std::string_view name, const std::string& daemon) {
  const auto* s = FindSample(e, name, {{"ceph_daemon", daemon}});
  if (s == nullptr) {
    ADD_FAILURE() << "no " << name << "{ceph_daemon=\"" << daemon << "\"}";
    return -1;
  }
  return s->value;
}

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

const CounterSchema* Find(const PerfSchema& schema, std::string_view path) {
  for (const auto& c : schema) {
    if (c.path == path) {
      return &c;
    }
  }
  return nullptr;
}

// ---- parsers ----

TEST(DaemonCountersParse, SchemaOfARealOsd) {
  const PerfSchema schema = ParsePerfSchema(Pacific("asok_osd_perf_schema.json"));
  EXPECT_GT(schema.size(), 400u);
  const CounterSchema* op_r = Find(schema, "osd.op_r");
  ASSERT_NE(op_r, nullptr);
  EXPECT_EQ(op_r->type, kPerfU64 | kPerfCounter);
  EXPECT_EQ(op_r->priority, 5);
  EXPECT_EQ(op_r->description, "Client read operations");
  const CounterSchema* lat = Find(schema, "osd.op_r_latency");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->type, kPerfTime | kPerfLongRunAvg);
  const CounterSchema* msgr = Find(schema, "AsyncMessenger::Worker-0.msgr_recv_bytes");
  ASSERT_NE(msgr, nullptr);
  EXPECT_EQ(msgr->priority, 0);
}

TEST(DaemonCountersParse, DumpOfARealOsd) {
  const PerfDump dump = ParsePerfDump(Pacific("asok_osd_perf_dump.json"));
  ASSERT_TRUE(dump.contains("osd.stat_bytes"));
  EXPECT_EQ(dump.at("osd.stat_bytes").integer, 1073741824u);
  EXPECT_FALSE(dump.at("osd.stat_bytes").average);
  const CounterValue& w = dump.at("osd.op_w_process_latency");
  EXPECT_TRUE(w.average);
  EXPECT_EQ(w.count, 8u);
  EXPECT_DOUBLE_EQ(w.value, 0.002381691);
  // A time gauge is printed in seconds.
  const CounterValue& busy = dump.at("AsyncMessenger::Worker-0.msgr_running_total_time");
  EXPECT_FALSE(busy.integer);
  EXPECT_GT(busy.value, 0);
}

TEST(DaemonCountersParse, PrettyAndCompactAreTheSame) {
  // `perf dump` without "format" is pretty-printed (captured from osd.0 of another moment).
  const PerfDump pretty = ParsePerfDump(Pacific("asok/osd_perf_dump_pretty.json"));
  const PerfDump compact = ParsePerfDump(Pacific("asok_osd_perf_dump.json"));
  EXPECT_EQ(pretty.size(), compact.size());
  for (const auto& [path, v] : compact) {
    EXPECT_TRUE(pretty.contains(path)) << path;
  }
}

TEST(DaemonCountersParse, BrokenInputIsInvalidArgument) {
  for (const std::string bad :
       {"", " ", "{", "{\"osd\":", "{\"osd\":{\"op_r\":", "[]", "1", "null", "\"x\"", "{\"osd\":1}",
        "{\"osd\":[]}", "garbage", "ERROR: (22) Invalid argument"}) {
    EXPECT_THROW(ParsePerfDump(bad), std::invalid_argument) << bad;
    EXPECT_THROW(ParsePerfSchema(bad), std::invalid_argument) << bad;
  }
  // A number out of double's range (nlohmann's out_of_range, not a parse_error).
  EXPECT_THROW(ParsePerfDump(R"({"osd":{"op_r":1e999}})"), std::invalid_argument);
  EXPECT_THROW(ParsePerfSchema(R"({"osd":{"op_r":{"type":10,"priority":1e999}}})"),
               std::invalid_argument);
  EXPECT_THROW(ParseOpsInFlight(R"({"ops":[{"age":-1e999}]})"), std::invalid_argument);
  // A schema counter that is not an object, or has no integer type.
  EXPECT_THROW(ParsePerfSchema(R"({"osd":{"op_r":5}})"), std::invalid_argument);
  EXPECT_THROW(ParsePerfSchema(R"({"osd":{"op_r":{"priority":5}}})"), std::invalid_argument);
  EXPECT_THROW(ParsePerfSchema(R"({"osd":{"op_r":{"type":"10"}}})"), std::invalid_argument);
  // Truncated real outputs.
  const std::string schema = Pacific("asok_osd_perf_schema.json");
  const std::string dump = Pacific("asok_osd_perf_dump.json");
  for (size_t cut : {size_t{1}, size_t{100}, schema.size() / 2, schema.size() - 1}) {
    EXPECT_THROW(ParsePerfSchema(schema.substr(0, cut)), std::invalid_argument) << cut;
  }
  for (size_t cut : {size_t{1}, size_t{100}, dump.size() / 2, dump.size() - 1}) {
    EXPECT_THROW(ParsePerfDump(dump.substr(0, cut)), std::invalid_argument) << cut;
  }
  EXPECT_THROW(ParseOpsInFlight(""), std::invalid_argument);
  EXPECT_THROW(ParseOpsInFlight("{}"), std::invalid_argument);
  EXPECT_THROW(ParseOpsInFlight(R"({"ops":{}})"), std::invalid_argument);
  EXPECT_THROW(ParseOpsInFlight(Pacific("asok/osd_ops_tracker_off.txt")), std::invalid_argument);
  EXPECT_THROW(ParseConfigNumber("{}", "osd_op_complaint_time"), std::invalid_argument);
  EXPECT_THROW(ParseConfigNumber(R"({"osd_op_complaint_time":"soon"})", "osd_op_complaint_time"),
               std::invalid_argument);
  EXPECT_THROW(ParseConfigNumber("", "x"), std::invalid_argument);
}

TEST(DaemonCountersParse, BareNonFiniteNumbers) {
  const PerfDump dump = ParsePerfDump(
      R"({"a":{"x":inf,"y":-inf,"z":nan,"w":{"avgcount":1,"sum":inf,"avgtime":nan}}})");
  EXPECT_TRUE(std::isinf(dump.at("a.x").value) && dump.at("a.x").value > 0);
  EXPECT_TRUE(std::isinf(dump.at("a.y").value) && dump.at("a.y").value < 0);
  EXPECT_TRUE(std::isnan(dump.at("a.z").value));
  EXPECT_TRUE(dump.at("a.w").average);
  EXPECT_TRUE(std::isinf(dump.at("a.w").value));
  // Shapes the module has no use for are left out, not refused.
  const PerfDump odd = ParsePerfDump(R"({"a":{"h":{"buckets":[1,2]},"s":"text","n":null}})");
  EXPECT_TRUE(odd.empty());
}

TEST(DaemonCountersParse, OpsAndComplaintTime) {
  EXPECT_TRUE(ParseOpsInFlight(Pacific("asok/osd_ops_idle.json")).empty());
  const auto busy = ParseOpsInFlight(Pacific("asok/osd_ops_busy.json"));
  ASSERT_EQ(busy.size(), 3u);
  EXPECT_DOUBLE_EQ(busy[0], 0.19096405499999999);
  EXPECT_EQ(ParseOpsInFlight(Pacific("asok/mon_ops.json")).size(), 1u);
  EXPECT_EQ(ParseConfigNumber(Pacific("asok/osd_config_get_osd_op_complaint_time.json"),
                              "osd_op_complaint_time"),
            30);
  EXPECT_EQ(ParseConfigNumber(Pacific("asok/mon_config_get_mon_op_complaint_time.json"),
                              "mon_op_complaint_time"),
            30);
}

TEST(DaemonCountersParse, SlowOpsCountLikeTheOpTracker) {
  EXPECT_EQ(CountSlowOps({}, 30), 0u);
  EXPECT_EQ(CountSlowOps({31, 40, 35}, 30), 3u);
  // Counted in the daemon's order up to the first op that is not slow (the tracker's shards
  // are concatenated, and its visitor stops there).
  EXPECT_EQ(CountSlowOps({31, 2, 35}, 30), 1u);
  EXPECT_EQ(CountSlowOps({2, 31, 35}, 30), 0u);
  EXPECT_EQ(CountSlowOps({30, 31}, 30), 0u);  // "older than", strictly
  const auto busy = ParseOpsInFlight(Pacific("asok/osd_ops_busy.json"));
  EXPECT_EQ(CountSlowOps(busy, 30), 0u);
  EXPECT_EQ(CountSlowOps(busy, 0.001), 3u);
}

// ---- rendering, against the mgr module ----

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
        continue;  // PENDING_CREATING_PGS is the module's only (see the header)
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

// ---- the admin socket protocol, against real listeners ----

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/swarmscope-asok-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

int Listen(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 8) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot listen on " + path);
  }
  return fd;
}

// A stale socket file: bound once, nobody listening any more.
void MakeStaleSocket(const std::string& path) { ::close(Listen(path)); }

// What a daemon does with one command: answer these bytes (the length prefix is added
// unless `raw`), or keep the connection open without a word (a hung admin socket thread).
struct Reply {
  std::string bytes;
  bool hang = false;
  bool raw = false;
};

// A daemon's admin socket: accepts one connection at a time, as Ceph's does, reads the
// command up to its NUL and answers with what `handler` says.
class FakeDaemon {
 public:
  using Handler = std::function<Reply(const std::string& command)>;
  FakeDaemon(std::string path, Handler handler)
      : path_(std::move(path)), handler_(std::move(handler)), fd_(Listen(path_)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeDaemon() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }
  size_t Count(std::string_view prefix) const {
    size_t n = 0;
    for (const auto& c : commands()) {
      n += c.find("\"prefix\":\"" + std::string(prefix) + "\"") != std::string::npos ? 1 : 0;
    }
    return n;
  }

 private:
  bool WaitReadable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  }
  void Run() {
    while (WaitReadable(fd_)) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        continue;
      }
      std::string command;
      char ch;
      while (WaitReadable(c) && ::read(c, &ch, 1) == 1 && ch != '\0') {
        command += ch;
      }
      {
        std::lock_guard lock(mu_);
        commands_.push_back(command);
      }
      const Reply r = handler_(command);
      if (!r.hang || !r.bytes.empty()) {
        std::string out;
        if (!r.raw) {
          const uint32_t n = static_cast<uint32_t>(r.bytes.size());
          out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                 static_cast<char>(n)};
        }
        out += r.bytes;
        size_t off = 0;
        while (off < out.size()) {
          const ssize_t w = ::send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
          if (w <= 0) {
            break;
          }
          off += static_cast<size_t>(w);
        }
      }
      while (r.hang && !stop_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ::close(c);
    }
  }

  std::string path_;
  Handler handler_;
  int fd_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::thread thread_;
};

Reply Answer(std::string s) { return {std::move(s), false, false}; }

template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

using std::chrono::milliseconds;

TEST(AdminSocket, CommandAndReply) {
  TempDir dir;
  FakeDaemon d(dir / "ceph-osd.0.asok", [](const std::string& c) {
    return Answer(c == R"({"prefix":"version"})" ? R"({"version":"16.2.15"})" : "?");
  });
  EXPECT_EQ(
      AdminSocketCommand(dir / "ceph-osd.0.asok", R"({"prefix":"version"})", milliseconds(2000)),
      R"({"version":"16.2.15"})");
  EXPECT_EQ(d.commands(), std::vector<std::string>{R"({"prefix":"version"})"});
}

TEST(AdminSocket, BigReplyAndEmptyReply) {
  TempDir dir;
  std::string big(5 << 20, 'x');
  FakeDaemon d(dir / "s.asok", [&](const std::string& c) { return Answer(c == "big" ? big : ""); });
  EXPECT_EQ(AdminSocketCommand(dir / "s.asok", "big", milliseconds(5000)), big);
  EXPECT_EQ(AdminSocketCommand(dir / "s.asok", "empty", milliseconds(5000)), "");
}

TEST(AdminSocket, Failures) {
  TempDir dir;
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "missing.asok", "x", milliseconds(500));
            }).find("no such socket"),
            std::string::npos);
  MakeStaleSocket(dir / "stale.asok");
  const std::string refused =
      ErrorOf([&] { AdminSocketCommand(dir / "stale.asok", "x", milliseconds(500)); });
  EXPECT_NE(refused.find("connection refused"), std::string::npos) << refused;
  EXPECT_NE(refused.find(dir / "stale.asok"), std::string::npos) << refused;

  FakeDaemon short_len(dir / "short_len.asok", [](const std::string&) {
    return Reply{"\0\0", false, true};
  });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "short_len.asok", "x", milliseconds(2000));
            }).find("short reply"),
            std::string::npos);
  FakeDaemon short_body(dir / "short_body.asok", [](const std::string&) {
    return Reply{std::string("\0\0\0\x64", 4) + "only ten b", false, true};
  });
  const std::string body =
      ErrorOf([&] { AdminSocketCommand(dir / "short_body.asok", "x", milliseconds(2000)); });
  EXPECT_NE(body.find("short reply"), std::string::npos) << body;
  EXPECT_NE(body.find("10 of 100"), std::string::npos) << body;

  FakeDaemon huge(dir / "huge.asok", [](const std::string&) {
    return Reply{std::string("\x7f\xff\xff\xff", 4), false, true};
  });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "huge.asok", "x", milliseconds(2000));
            }).find("oversized"),
            std::string::npos);
  FakeDaemon capped(dir / "capped.asok", [](const std::string&) { return Answer("12345"); });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "capped.asok", "x", milliseconds(2000), 4);
            }).find("oversized"),
            std::string::npos);

  FakeDaemon refuses(dir / "refuses.asok", [](const std::string&) {
    return Answer(Pacific("asok/osd_counter_dump_refused.txt"));
  });
  const std::string refused_cmd = ErrorOf([&] {
    AdminSocketCommand(dir / "refuses.asok", R"({"prefix":"counter dump"})", milliseconds(2000));
  });
  EXPECT_NE(refused_cmd.find("ERROR: (22) Invalid argument unknown command prefix counter dump"),
            std::string::npos)
      << refused_cmd;

  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", "", milliseconds(100)), std::invalid_argument);
  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", std::string(1024, 'x'), milliseconds(100)),
               std::invalid_argument);
  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", std::string("a\0b", 3), milliseconds(100)),
               std::invalid_argument);
  EXPECT_THROW(AdminSocketCommand(dir / "x.asok", "a\nb", milliseconds(100)),
               std::invalid_argument);
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand("/" + std::string(200, 'p'), "x", milliseconds(100));
            }).find("longer than"),
            std::string::npos);
}

TEST(AdminSocket, TimeoutHoldsWhenTheDaemonNeverAnswers) {
  TempDir dir;
  FakeDaemon hung(dir / "hung.asok", [](const std::string&) { return Reply{"", true, false}; });
  const auto start = std::chrono::steady_clock::now();
  const std::string error =
      ErrorOf([&] { AdminSocketCommand(dir / "hung.asok", "x", milliseconds(200)); });
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(error.find("timed out after 200 ms"), std::string::npos) << error;
  EXPECT_LT(took, std::chrono::seconds(5));  // a hang detector, not a performance bound
  // The length arrived, the payload never does.
  FakeDaemon half(dir / "half.asok", [](const std::string&) {
    return Reply{std::string("\0\0\0\x10", 4), true, true};
  });
  EXPECT_NE(ErrorOf([&] {
              AdminSocketCommand(dir / "half.asok", "x", milliseconds(200));
            }).find("timed out"),
            std::string::npos);
}

// ---- finding the sockets ----

TEST(DaemonSockets, FindsThisClustersDaemons) {
  TempDir dir;
  for (const std::string f :
       {"ceph-osd.0.asok", "ceph-osd.10.asok", "ceph-osd.2.asok", "ceph-mon.a.asok",
        "ceph-mds.a.asok", "ceph-mgr.x.asok", "ceph-client.admin.1234.9400.asok",
        "ceph-client.rgw.gw1.1234.94000.asok", "ceph-client.rbd-mirror.m1.asok", "other-osd.1.asok",
        "ceph-osd.3.pid", "ceph-osd..asok", "ceph-.asok", "ceph-foo.1.asok"}) {
    std::ofstream(dir / f).put('\n');
  }
  std::filesystem::create_directory(dir / "ceph-osd.9.asok");
  std::vector<std::string> names;
  for (const auto& d : FindDaemonSockets(dir.path(), "ceph")) {
    names.push_back(d.name());
    if (d.name() == "osd.0") {
      EXPECT_EQ(d.path, dir / "ceph-osd.0.asok");
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"mds.a", "mon.a", "osd.0", "osd.10", "osd.2",
                                             "rbd-mirror.m1", "rgw.gw1"}));
  EXPECT_EQ(FindDaemonSockets(dir.path(), "other").size(), 1u);
  EXPECT_TRUE(FindDaemonSockets(dir / "nonexistent", "ceph").empty());
}

// ---- the whole refresh, against fake daemons ----

class RecordingErrors : public ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view message, LogFields context) override {
    std::string daemon;
    for (const auto& [k, v] : context) {
      if (k == "ceph_daemon") {
        daemon = v;
      }
    }
    reports.push_back({std::string(cause), std::string(message), daemon});
  }
  struct Entry {
    std::string cause, message, daemon;
  };
  std::vector<Entry> reports;
  bool Has(std::string_view cause, std::string_view daemon) const {
    for (const auto& r : reports) {
      if (r.cause == cause && r.daemon == daemon) {
        return true;
      }
    }
    return false;
  }
};

// Answers like a real daemon of `type` from the fixtures.
FakeDaemon::Handler FixtureDaemon(const std::string& type, std::function<std::string()> ops = {},
                                  std::string dump = {}) {
  return [=](const std::string& c) {
    if (c.find("\"perf dump\"") != std::string::npos) {
      return Answer(dump.empty() ? Pacific("asok_" + type + "_perf_dump.json") : dump);
    }
    if (c.find("\"perf schema\"") != std::string::npos) {
      return Answer(Pacific("asok_" + type + "_perf_schema.json"));
    }
    if (c.find("\"ops\"") != std::string::npos) {
      return Answer(ops ? ops() : Pacific("asok/osd_ops_idle.json"));
    }
    if (c.find("\"config get\"") != std::string::npos) {
      return Answer(type == "mon" ? Pacific("asok/mon_config_get_mon_op_complaint_time.json")
                                  : R"({"osd_op_complaint_time":"0.100000"})");
    }
    return Answer("ERROR: (22) Invalid argument\nunknown command prefix\n");
  };
}

TEST(DaemonCountersRefresh, OneDaemonFailingLosesNoOther) {
  TempDir dir;
  FakeDaemon osd0(dir / "ceph-osd.0.asok",
                  FixtureDaemon("osd", [] { return Pacific("asok/osd_ops_busy.json"); }));
  FakeDaemon mon(dir / "ceph-mon.a.asok",
                 FixtureDaemon("mon", [] { return Pacific("asok/mon_ops.json"); }));
  MakeStaleSocket(dir / "ceph-osd.1.asok");
  FakeDaemon hung(dir / "ceph-osd.2.asok", [](const std::string&) {
    return Reply{"", true, false};
  });
  FakeDaemon garbage(dir / "ceph-osd.3.asok",
                     [](const std::string&) { return Answer("{\"osd\":"); });
  FakeDaemon off(dir / "ceph-osd.4.asok",
                 FixtureDaemon("osd", [] { return Pacific("asok/osd_ops_tracker_off.txt"); }));
  FakeDaemon mgr(dir / "ceph-mgr.x.asok", FixtureDaemon("mgr"));
  RecordingErrors errors;
  DaemonCounters counters(dir.path(), "ceph", milliseconds(300), errors);
  const auto r = counters.Refresh();
  EXPECT_EQ(r.daemons, 6u);
  EXPECT_EQ(r.failed, 3u);
  ASSERT_TRUE(r.text);
  const Exposition e = Parse(*r.text);
  const auto up = [&](const std::string& d) {
    const auto* s = FindSample(e, "swarmscope_ceph_daemon_socket_up", {{"ceph_daemon", d}});
    return s == nullptr ? -1 : s->value;
  };
  EXPECT_EQ(up("osd.0"), 1);
  EXPECT_EQ(up("osd.1"), 0);
  EXPECT_EQ(up("osd.2"), 0);
  EXPECT_EQ(up("osd.3"), 0);
  EXPECT_EQ(up("osd.4"), 1);
  EXPECT_EQ(up("mon.a"), 1);
  EXPECT_EQ(up("mgr.x"), -1);  // the mgr's own counters are not the module's
  EXPECT_EQ(ValueOf(e, "ceph_osd_stat_bytes", "osd.0"), 1073741824);
  EXPECT_EQ(ValueOf(e, "ceph_mon_num_sessions", "mon.a"), 10);
  EXPECT_EQ(FindSample(e, "ceph_osd_stat_bytes", {{"ceph_daemon", "osd.1"}}), nullptr);
  EXPECT_TRUE(errors.Has("admin_socket", "osd.1"));
  EXPECT_TRUE(errors.Has("admin_socket", "osd.2"));
  EXPECT_TRUE(errors.Has("parse", "osd.3"));
  EXPECT_FALSE(errors.Has("admin_socket", "osd.4"));
  // The hung daemon was asked once, nothing more.
  EXPECT_EQ(hung.commands().size(), 1u);
  // SLOW_OPS: 2 of the busy OSD's 3 ops (0.19 s, 0.13 s, 0.07 s) are older than its 0.1 s
  // complaint time; the mon's op is younger than 30 s; tracking off counts 0, as the daemon
  // reports it.
  const auto slow = [&](const std::string& d) {
    const auto* s =
        FindSample(e, "ceph_daemon_health_metrics", {{"type", "SLOW_OPS"}, {"ceph_daemon", d}});
    return s == nullptr ? -1 : s->value;
  };
  EXPECT_EQ(slow("osd.0"), 2);
  EXPECT_EQ(slow("mon.a"), 0);
  EXPECT_EQ(slow("osd.4"), 0);
  EXPECT_EQ(slow("osd.1"), -1);
}

TEST(DaemonCountersRefresh, SchemaIsCachedUntilTheDaemonRestarts) {
  TempDir dir;
  RecordingErrors errors;
  DaemonCounters counters(dir.path(), "ceph", milliseconds(2000), errors);
  auto osd = std::make_unique<FakeDaemon>(dir / "ceph-osd.0.asok", FixtureDaemon("osd"));
  counters.Refresh();
  counters.Refresh();
  const auto r = counters.Refresh();
  EXPECT_EQ(osd->Count("perf dump"), 3u);
  EXPECT_EQ(osd->Count("perf schema"), 1u);
  EXPECT_EQ(osd->Count("ops"), 3u);
  EXPECT_EQ(osd->Count("config get"), 0u);  // no op in flight, no need for the complaint time
  EXPECT_EQ(ValueOf(Parse(*r.text), "ceph_osd_numpg", "osd.0"), 8);
  // Restarted: a new socket (inode), the schema is read again.
  osd.reset();
  // A restart takes seconds; here, wait out the file clock's granularity (a jiffy) so that
  // the new socket differs by its mtime even where the inode number is reused.
  std::this_thread::sleep_for(milliseconds(50));
  osd = std::make_unique<FakeDaemon>(dir / "ceph-osd.0.asok", FixtureDaemon("osd"));
  counters.Refresh();
  EXPECT_EQ(osd->Count("perf schema"), 1u);
  EXPECT_TRUE(errors.reports.empty());
}

TEST(DaemonCountersRefresh, ANewCounterAsksForTheSchemaOnce) {
  TempDir dir;
  RecordingErrors errors;
  DaemonCounters counters(dir.path(), "ceph", milliseconds(2000), errors);
  auto dump = nlohmann::json::parse(Pacific("asok_osd_perf_dump.json"));
  dump["new_logger"]["new_counter"] = 1;
  FakeDaemon osd(dir / "ceph-osd.0.asok", FixtureDaemon("osd", {}, dump.dump()));
  counters.Refresh();
  EXPECT_EQ(osd.Count("perf schema"), 1u);
  // The fresh schema still lacks it: not asked again for that counter.
  counters.Refresh();
  const auto r = counters.Refresh();
  EXPECT_EQ(osd.Count("perf schema"), 1u);
  EXPECT_EQ(r.failed, 0u);
}

TEST(DaemonCountersRefresh, NoRunDirIsNoDaemons) {
  RecordingErrors errors;
  DaemonCounters counters("/nonexistent/run/ceph", "ceph", milliseconds(100), errors);
  const auto r = counters.Refresh();
  EXPECT_EQ(r.daemons, 0u);
  ASSERT_TRUE(r.text);
  EXPECT_TRUE(r.text->empty());
  EXPECT_TRUE(errors.reports.empty());
}

}  // namespace
}  // namespace swarmscope::ceph
