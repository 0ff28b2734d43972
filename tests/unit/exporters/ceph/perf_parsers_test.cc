// The parsers of the per-daemon counters (perf_parsers.h) on outputs captured from a real
// Pacific cluster (tests/fixtures/ceph/pacific, asok/), and on broken text.

#include "exporters/ceph/perf_parsers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tests/unit/exporters/ceph/asok_test_support.h"

namespace swarmscope::ceph {
namespace {

using testing::Pacific;

const CounterSchema* Find(const PerfSchema& schema, std::string_view path) {
  for (const auto& c : schema) {
    if (c.path == path) {
      return &c;
    }
  }
  return nullptr;
}

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

}  // namespace
}  // namespace swarmscope::ceph
