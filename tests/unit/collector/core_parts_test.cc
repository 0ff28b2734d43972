// Small parts of the core: /proc parsers, logging, the container inventory, metric names.

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <regex>
#include <sstream>

#include "collector/container_inventory.h"
#include "collector/log.h"
#include "collector/process_stats.h"
#include "collector/scraper.h"
#include "tests/support/exposition_parser.h"

namespace swarmscope {
namespace {

TEST(ProcStat, ParsesFieldsAfterTheCommandName) {
  // A command name with spaces and a ')' inside, as a process may choose.
  const std::string stat =
      "1234 (we ird) name) S 1 1234 1234 0 -1 4194560 500 0 0 0 150 25 0 0 20 0 7 0 "
      "9876 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto st = ParseProcStat(stat);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->utime_ticks, 150u);
  EXPECT_EQ(st->stime_ticks, 25u);
  EXPECT_EQ(st->num_threads, 7);
  EXPECT_EQ(st->starttime_ticks, 9876u);
  EXPECT_EQ(st->vsize_bytes, 104857600u);
  EXPECT_EQ(st->rss_pages, 2560);
}

TEST(ProcStat, RejectsMalformed) {
  EXPECT_FALSE(ParseProcStat(""));
  EXPECT_FALSE(ParseProcStat("1234 (x) S 1 2 3"));  // truncated
  EXPECT_FALSE(ParseProcStat("no parenthesis at all"));
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 1 1 0 -1 4 5 0 0 0 abc 25 0 0 20 0 7 0 9 10 11"));
}

TEST(ProcStat, BootTime) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000u);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n"));
  EXPECT_FALSE(ParseBootTime("btime x\n"));
}

TEST(ProcStat, ReadsThisProcess) {
  const auto text = ReadSmallFile("/proc/self/stat");
  ASSERT_TRUE(text);
  const auto st = ParseProcStat(*text);
  ASSERT_TRUE(st);
  EXPECT_GT(st->rss_pages, 0);
  EXPECT_FALSE(ReadSmallFile("/nonexistent/file"));
}

TEST(Log, LogfmtQuotesAndEscapes) {
  Logger log(LogLevel::kInfo, LogFormat::kLogfmt);
  const std::string line =
      log.Format(LogLevel::kWarn, "bad input", {{"path", "/a b"}, {"n", "3"}, {"q", "x\"y\n"}});
  EXPECT_NE(line.find(" level=warn msg=\"bad input\" path=\"/a b\" n=3 q=\"x\\\"y\\n\"\n"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
}

TEST(Log, JsonIsOneValidObjectPerLine) {
  Logger log(LogLevel::kInfo, LogFormat::kJson);
  const std::string line = log.Format(LogLevel::kError, "x", {{"k", "v\"\xff"}});
  EXPECT_NE(line.find("\"level\":\"error\",\"msg\":\"x\",\"k\":\"v\\\"\xEF\xBF\xBD\"}"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(Log, LevelsFilter) {
  std::FILE* f = std::tmpfile();
  Logger log(LogLevel::kWarn, LogFormat::kLogfmt, f);
  log.Info("hidden");
  log.Warn("shown");
  std::rewind(f);
  char buf[512] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  const std::string text(buf, n);
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find("shown"), std::string::npos);
  EXPECT_FALSE(ParseLogLevel("verbose"));
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
}

TEST(RateLimitedLog, OncePerCauseThenSuppressed) {
  std::FILE* f = std::tmpfile();
  Logger log(LogLevel::kInfo, LogFormat::kLogfmt, f);
  RateLimitedLog limited(log, std::chrono::hours(1));
  EXPECT_TRUE(limited.Warn("truncated", "file truncated"));
  EXPECT_FALSE(limited.Warn("truncated", "file truncated"));
  EXPECT_TRUE(limited.Warn("garbage", "garbage bytes"));
  std::fclose(f);
  std::FILE* g = std::tmpfile();
  Logger log2(LogLevel::kInfo, LogFormat::kLogfmt, g);
  RateLimitedLog eager2(log2, std::chrono::milliseconds(0));
  EXPECT_TRUE(eager2.Warn("c", "m"));
  EXPECT_TRUE(eager2.Warn("c", "m"));
  std::fclose(g);
}

TEST(ContainerInventory, SnapshotsAreStable) {
  ContainerInventory inv;
  const auto empty = inv.Snapshot();
  EXPECT_TRUE(empty->containers.empty());
  ContainerInfo a;
  a.id = std::string(64, 'a');
  a.name = "web.1";
  a.labels["com.docker.swarm.service.name"] = "web";
  inv.Upsert(a);
  const auto one = inv.Snapshot();
  EXPECT_TRUE(empty->containers.empty());  // an older snapshot never changes
  ASSERT_NE(one->Find(a.id), nullptr);
  EXPECT_EQ(one->Find(a.id)->name, "web.1");
  EXPECT_GT(one->generation, empty->generation);
  inv.Remove(a.id);
  EXPECT_EQ(inv.Snapshot()->Find(a.id), nullptr);
  EXPECT_NE(one->Find(a.id), nullptr);
  const auto before = inv.Snapshot()->generation;
  inv.Remove("unknown");
  EXPECT_EQ(inv.Snapshot()->generation, before);
  ContainerInfo b;
  b.id = "b";
  b.name = "db";
  inv.Replace({{"b", b}});
  EXPECT_EQ(inv.Snapshot()->containers.size(), 1u);
}

// What a scrape serves of the self metrics, after `record` has counted into them.
std::optional<testing::Exposition> ScrapeSelfMetrics(
    const std::function<void(SelfMetrics&)>& record) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Logger log(LogLevel::kError, LogFormat::kLogfmt, devnull);
  SelfMetrics self(log);
  record(self);
  ExporterHost host(self, log);
  Scraper scraper(host, self, log);
  std::string out;
  scraper.Scrape(Clock::now() + std::chrono::seconds(1), out);
  std::fclose(devnull);
  return testing::ParseExposition(out);
}

// Naming rules for every family the daemon itself serves (exporters test their own tables
// with the same rule in their tests).
TEST(MetricNames, SelfMetricsFollowConventions) {
  const auto e = ScrapeSelfMetrics([](SelfMetrics& self) {
    self.CountRequest("metrics", 200);
    self.ErrorsFor("x").Report("cause", "msg", {});
    self.ObserveCollection("x", 0.1, true, false);
    self.ObserveCollection("x", 0.1, true, true);
  });
  ASSERT_TRUE(e);
  const std::regex name_re("^[a-z_][a-z0-9_]*$");
  for (const auto& [name, family] : e->families) {
    EXPECT_TRUE(std::regex_match(name, name_re)) << name;
    EXPECT_FALSE(family.help.empty()) << name;
    if (family.type == "counter") {
      EXPECT_TRUE(name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0) << name;
    } else {
      EXPECT_EQ(name.find("_total"), std::string::npos) << name;
    }
  }
}

// A collector's failure and timeout counters exist at 0 from its first collection, so that
// rate() and increase() see the first failure or timeout too.
TEST(SelfMetrics, FailureAndTimeoutCountersStartAtZero) {
  const auto e = ScrapeSelfMetrics([](SelfMetrics& self) {
    self.ObserveCollection("ok", 0.1, true, false);
    self.ObserveCollection("slow", 0.1, true, true);
  });
  ASSERT_TRUE(e);
  const auto* failures =
      testing::FindSample(*e, "swarmscope_collector_failures_total", {{"collector", "ok"}});
  const auto* timeouts =
      testing::FindSample(*e, "swarmscope_collector_timeouts_total", {{"collector", "ok"}});
  ASSERT_NE(failures, nullptr);
  ASSERT_NE(timeouts, nullptr);
  EXPECT_EQ(failures->value, 0);
  EXPECT_EQ(timeouts->value, 0);
  const auto* slow =
      testing::FindSample(*e, "swarmscope_collector_timeouts_total", {{"collector", "slow"}});
  ASSERT_NE(slow, nullptr);
  EXPECT_EQ(slow->value, 1);
}

// The comparison the equivalence tests rely on finds what differs.
TEST(ExpositionDifferences, FindsValuesLabelsHelpAndOrder) {
  const std::string base =
      "# HELP a A.\n# TYPE a gauge\na{k=\"1\"} 1\n# TYPE b counter\nb_total 2\n";
  const auto e = testing::ParseExposition(base);
  ASSERT_TRUE(e);
  EXPECT_TRUE(testing::ExpositionDifferences(*e, *e).empty());
  for (const std::string other : {
           "# HELP a A.\n# TYPE a gauge\na{k=\"1\"} 1.5\n# TYPE b counter\nb_total 2\n",
           "# HELP a A.\n# TYPE a gauge\na{k=\"2\"} 1\n# TYPE b counter\nb_total 2\n",
           "# HELP a B.\n# TYPE a gauge\na{k=\"1\"} 1\n# TYPE b counter\nb_total 2\n",
           "# TYPE b counter\nb_total 2\n# HELP a A.\n# TYPE a gauge\na{k=\"1\"} 1\n",
       }) {
    const auto o = testing::ParseExposition(other);
    ASSERT_TRUE(o) << other;
    EXPECT_FALSE(testing::ExpositionDifferences(*e, *o).empty()) << other;
  }
}

// The self metrics are rendered without iostreams; the parsed result must be what
// prometheus-cpp's own TextSerializer says of the same registry.
TEST(AppendExposition, ParsesAsTextSerializersOutput) {
  prometheus::Registry registry;
  // HELP without newline or backslash: prometheus-cpp 1.0.1 writes those unescaped (our
  // escaping of HELP is MetricWriter's, tested with it).
  auto& requests =
      prometheus::BuildCounter().Name("req_total").Help("Requests \"by\" code.").Register(registry);
  requests.Add({{"code", "200"}, {"path", "with \"quotes\" and \\ and\nnewline"}}).Increment(41);
  requests.Add({}).Increment();
  auto& gauges = prometheus::BuildGauge().Name("g").Help("A gauge ünïcödé.").Register(registry);
  gauges.Add({{"k", "nan"}}).Set(std::numeric_limits<double>::quiet_NaN());
  gauges.Add({{"k", "inf"}}).Set(-std::numeric_limits<double>::infinity());
  gauges.Add({{"k", "small"}}).Set(1.0 / 3e9);
  gauges.Add({{"k", "big"}}).Set(123456789012345.0);
  auto& hist = prometheus::BuildHistogram().Name("h_seconds").Help("H.").Register(registry);
  auto& h =
      hist.Add({{"collector", "x"}}, prometheus::Histogram::BucketBoundaries{0.001, 0.25, 10});
  for (double v : {0.0005, 0.1, 0.2, 3.0, 99.0}) {
    h.Observe(v);
  }
  hist.Add({}, prometheus::Histogram::BucketBoundaries{1});
  auto& summary = prometheus::BuildSummary().Name("s").Help("S.").Register(registry);
  summary.Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}}).Observe(2);

  const auto families = registry.Collect();
  std::string ours;
  AppendExposition(ours, families);
  std::ostringstream theirs;
  prometheus::TextSerializer().Serialize(theirs, families);
  std::string error;
  const auto a = testing::ParseExposition(ours, &error);
  ASSERT_TRUE(a) << error << "\n" << ours;
  const auto b = testing::ParseExposition(theirs.str(), &error);
  ASSERT_TRUE(b) << error;
  for (const auto& d : testing::ExpositionDifferences(*a, *b)) {
    ADD_FAILURE() << d;
  }
  EXPECT_NE(ours.find("h_seconds_bucket{collector=\"x\",le=\"+Inf\"} 5\n"), std::string::npos)
      << ours;
}

}  // namespace
}  // namespace swarmscope
