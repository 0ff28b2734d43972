#include "collector/scraper.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/support/exposition_parser.h"
#include "tests/support/test_exporters.h"

namespace swarmscope {
namespace {

using std::chrono::milliseconds;
using testing::FindSample;
using testing::FixedExporter;
using testing::ParseExposition;

class ScraperTest : public ::testing::Test {
 protected:
  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  SelfMetrics self_{log_};

  ~ScraperTest() override { std::fclose(devnull_); }

  static double Value(const testing::Exposition& e, std::string_view name,
                      const std::map<std::string, std::string>& labels) {
    const auto* s = FindSample(e, name, labels);
    return s ? s->value : -1;
  }
};

TEST_F(ScraperTest, SlowAndThrowingCollectorsDoNotHoldBackOthers) {
  std::vector<NamedExporter> exporters;
  exporters.push_back({"fast", std::make_unique<FixedExporter>("fast")});
  exporters.push_back({"slow", std::make_unique<FixedExporter>("slow", milliseconds(5000))});
  exporters.push_back({"throwing", std::make_unique<testing::ThrowingExporter>()});
  exporters.push_back({"failing", std::make_unique<testing::FailingExporter>()});
  ExporterHost host(self_, log_, std::move(exporters));
  Scraper scraper(host, self_, log_);

  std::string out;
  const auto start = Clock::now();
  scraper.Scrape(start + milliseconds(300), out);
  const auto elapsed = Clock::now() - start;
  // Not a timing assertion on performance: the deadline is the contract under test, and the
  // slow collector would take 5 s.
  EXPECT_LT(elapsed, milliseconds(3000));

  std::string error;
  auto e = ParseExposition(out, &error);
  ASSERT_TRUE(e) << error << "\n" << out;
  EXPECT_EQ(Value(*e, "test_value_fast", {{"source", "fast"}}), 1);
  EXPECT_EQ(Value(*e, "test_failing_value", {{"source", "failing"}}), 3);  // partial data kept
  EXPECT_EQ(FindSample(*e, "test_value_slow", {{"source", "slow"}}), nullptr);
  EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "fast"}}), 1);
  EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "slow"}}), 0);
  EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "throwing"}}), 0);
  EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "failing"}}), 0);
  EXPECT_GT(Value(*e, "swarmscope_scrape_collector_duration_seconds", {{"collector", "slow"}}),
            0.2);
  EXPECT_EQ(Value(*e, "swarmscope_collector_errors_total",
                  {{"collector", "failing"}, {"cause", "read_failed"}}),
            1);
  EXPECT_EQ(Value(*e, "swarmscope_collector_failures_total", {{"collector", "throwing"}}), 1);
  EXPECT_NE(FindSample(*e, "swarmscope_build_info"), nullptr);
  EXPECT_NE(FindSample(*e, "process_resident_memory_bytes"), nullptr);
  scraper.Cancel();
}

// An exporter that only reads memory runs on the scraping thread: no hand-off to the pool.
class InlineExporter : public Exporter {
 public:
  bool NeverBlocks() const override { return true; }
  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    thread = std::this_thread::get_id();
    ctx.Serve(std::make_shared<const std::string>("test_served 1\n"));
    out.Family(MetricSpec{"test_inline", MetricType::kGauge, "A test value."}).Add(LabelSet(), 2);
    return true;
  }
  std::thread::id thread;
};

TEST_F(ScraperTest, ExportersThatNeverBlockRunOnTheScrapingThread) {
  auto* inline_exporter = new InlineExporter;
  std::vector<NamedExporter> exporters;
  exporters.push_back({"inline", std::unique_ptr<Exporter>(inline_exporter)});
  ExporterHost host(self_, log_, std::move(exporters));
  Scraper scraper(host, self_, log_);
  EXPECT_TRUE(scraper.NeverBlocks());
  std::string out;
  scraper.Scrape(Clock::now() + milliseconds(1000), out);
  EXPECT_EQ(inline_exporter->thread, std::this_thread::get_id());
  auto e = ParseExposition(out);
  ASSERT_TRUE(e) << out;
  EXPECT_EQ(Value(*e, "test_served", {}), 1);
  EXPECT_EQ(Value(*e, "test_inline", {}), 2);
  EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "inline"}}), 1);

  // One exporter that may block is enough for the scrape to need a thread of its own.
  std::vector<NamedExporter> mixed;
  mixed.push_back({"inline", std::make_unique<InlineExporter>()});
  mixed.push_back({"fixed", std::make_unique<FixedExporter>("fixed")});
  ExporterHost mixed_host(self_, log_, std::move(mixed));
  Scraper mixed_scraper(mixed_host, self_, log_);
  EXPECT_FALSE(mixed_scraper.NeverBlocks());
}

TEST_F(ScraperTest, ConcurrentScrapesShareOneCollection) {
  auto* slow = new FixedExporter("shared", milliseconds(300));
  std::vector<NamedExporter> exporters;
  exporters.push_back({"shared", std::unique_ptr<Exporter>(slow)});
  ExporterHost host(self_, log_, std::move(exporters));
  Scraper scraper(host, self_, log_);

  std::vector<std::future<std::string>> scrapes;
  for (int i = 0; i < 8; ++i) {
    scrapes.push_back(std::async(std::launch::async, [&] {
      std::string out;
      scraper.Scrape(Clock::now() + milliseconds(5000), out);
      return out;
    }));
  }
  for (auto& f : scrapes) {
    auto e = ParseExposition(f.get());
    ASSERT_TRUE(e);
    EXPECT_EQ(Value(*e, "test_value_shared", {{"source", "shared"}}), 1);
  }
  // Eight scrapes that overlap a 300 ms collection: far fewer collections than scrapes.
  EXPECT_LE(slow->calls.load(), 2);
  EXPECT_EQ(scraper.collections_started(), static_cast<uint64_t>(slow->calls.load()));
}

TEST_F(ScraperTest, HungCollectorIsJoinedNotRestarted) {
  auto* hung = new FixedExporter("hung", milliseconds(1500), /*honour_deadline=*/false);
  std::vector<NamedExporter> exporters;
  exporters.push_back({"hung", std::unique_ptr<Exporter>(hung)});
  ExporterHost host(self_, log_, std::move(exporters));
  Scraper scraper(host, self_, log_);
  for (int i = 0; i < 3; ++i) {
    std::string out;
    scraper.Scrape(Clock::now() + milliseconds(50), out);
    auto e = ParseExposition(out);
    ASSERT_TRUE(e);
    EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "hung"}}), 0);
  }
  EXPECT_EQ(scraper.collections_started(), 1u);
  EXPECT_TRUE(scraper.WaitIdle(milliseconds(5000)));
  std::string out;
  scraper.Scrape(Clock::now() + milliseconds(5000), out);
  EXPECT_EQ(scraper.collections_started(), 2u);
  auto e = ParseExposition(out);
  EXPECT_EQ(Value(*e, "swarmscope_collector_timeouts_total", {{"collector", "hung"}}), 3);
}

TEST_F(ScraperTest, CancelAnswersWaitingScrapesAtOnce) {
  std::vector<NamedExporter> exporters;
  exporters.push_back({"slow", std::make_unique<FixedExporter>("slow", milliseconds(10000))});
  ExporterHost host(self_, log_, std::move(exporters));
  Scraper scraper(host, self_, log_);
  auto scrape = std::async(std::launch::async, [&] {
    std::string out;
    scraper.Scrape(Clock::now() + milliseconds(20000), out);
    return out;
  });
  std::this_thread::sleep_for(milliseconds(100));
  scraper.Cancel();
  ASSERT_EQ(scrape.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto e = ParseExposition(scrape.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(Value(*e, "swarmscope_scrape_collector_success", {{"collector", "slow"}}), 0);
  EXPECT_TRUE(scraper.WaitIdle(milliseconds(5000)));  // the exporter saw ctx.Expired()
}

TEST_F(ScraperTest, NoExporters) {
  ExporterHost host(self_, log_);
  Scraper scraper(host, self_, log_);
  std::string out;
  scraper.Scrape(Clock::now() + milliseconds(1000), out);
  auto e = ParseExposition(out);
  ASSERT_TRUE(e);
  EXPECT_NE(FindSample(*e, "swarmscope_build_info"), nullptr);
}

}  // namespace
}  // namespace swarmscope
