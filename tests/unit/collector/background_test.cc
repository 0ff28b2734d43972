// The core's seams for long-lived exporters: background tasks, backoff, the exporter host,
// pre-rendered results and the age of an exporter's data.

#include "collector/background.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "collector/exporter_host.h"
#include "collector/http_routes.h"
#include "collector/node_role.h"
#include "collector/scraper.h"
#include "tests/support/exposition_parser.h"
#include "tests/support/test_exporters.h"

namespace swarmscope {
namespace {

using std::chrono::milliseconds;

// A task blocked in poll() on its own descriptors wakes for data, for its timeout, and at
// once for a stop request.
TEST(StopPoller, WakesForDataTimeoutAndStop) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::stop_source stop;
  StopPoller poller(stop.get_token());
  pollfd p{fds[0], POLLIN, 0};
  EXPECT_TRUE(poller.Wait({&p, 1}, milliseconds(10)));  // timeout
  EXPECT_EQ(p.revents, 0);
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  EXPECT_TRUE(poller.Wait({&p, 1}, milliseconds(-1)));
  EXPECT_TRUE(p.revents & POLLIN);
  char c;
  ASSERT_EQ(::read(fds[0], &c, 1), 1);
  auto waiting = std::async(std::launch::async, [&] {
    pollfd q{fds[0], POLLIN, 0};
    return poller.Wait({&q, 1}, milliseconds(-1));
  });
  std::this_thread::sleep_for(milliseconds(20));
  stop.request_stop();
  EXPECT_FALSE(waiting.get());                           // no data came: the stop woke it
  EXPECT_FALSE(poller.Wait({&p, 1}, milliseconds(-1)));  // and stays stopped
  ::close(fds[0]);
  ::close(fds[1]);
}

class Collecting : public ErrorReporter {
 public:
  void Report(std::string_view cause, std::string_view, LogFields) override {
    std::lock_guard lock(mu);
    causes.emplace_back(cause);
  }
  std::mutex mu;
  std::vector<std::string> causes;
};

TEST(SleepFor, ReturnsAtOnceOnStop) {
  std::stop_source stop;
  auto sleeper = std::async(std::launch::async,
                            [&] { return SleepFor(stop.get_token(), std::chrono::hours(1)); });
  std::this_thread::sleep_for(milliseconds(50));
  stop.request_stop();
  ASSERT_EQ(sleeper.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_FALSE(sleeper.get());
  EXPECT_TRUE(SleepFor(std::stop_source().get_token(), milliseconds(1)));
}

TEST(Backoff, DoublesUpToTheCapWithBoundedJitterAndResets) {
  Backoff b(milliseconds(100), milliseconds(1000));
  const int64_t expected[] = {100, 200, 400, 800, 1000, 1000};
  for (int64_t base : expected) {
    const int64_t d = b.Next().count();
    EXPECT_GE(d, base);
    EXPECT_LE(d, base + base / 5);
  }
  b.Reset();
  EXPECT_LE(b.Next().count(), 120);
}

TEST(Tasks, AThrowingTaskIsReportedAndRestartedAndStopsOnRequest) {
  Collecting errors;
  std::atomic<int> runs{0};
  {
    Tasks tasks("t", errors);
    tasks.Spawn("flaky", [&](std::stop_token stop) {
      if (++runs < 3) {
        throw std::runtime_error("bug");
      }
      SleepFor(stop, std::chrono::hours(1));  // a well-behaved long-lived task
    });
    for (int i = 0; i < 500 && runs < 3; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_EQ(runs, 3);
    EXPECT_EQ(tasks.restarts(), 2u);
    tasks.RequestStop();
    EXPECT_TRUE(tasks.WaitStopped(Clock::now() + milliseconds(500)));
  }
  std::lock_guard lock(errors.mu);
  EXPECT_EQ(errors.causes, (std::vector<std::string>{"exception", "exception"}));
}

TEST(Tasks, WaitStoppedSaysWhenATaskIgnoresTheStop) {
  Collecting errors;
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  Tasks tasks("t", errors);
  tasks.Spawn("stuck", [&](std::stop_token) {
    started = true;
    while (!release) {
      std::this_thread::sleep_for(milliseconds(5));
    }
  });
  while (!started) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  tasks.RequestStop();
  EXPECT_FALSE(tasks.WaitStopped(Clock::now() + milliseconds(100)));
  release = true;
  EXPECT_TRUE(tasks.WaitStopped(Clock::now() + milliseconds(1000)));
}

// Serves a pre-rendered exposition and says how old it is.
class Prerendered : public Exporter {
 public:
  std::shared_ptr<const std::string> text =
      std::make_shared<const std::string>("# TYPE pre_value gauge\npre_value 7\n");
  bool Collect(ScrapeContext& ctx, MetricWriter&) override {
    ctx.Serve(text);
    ctx.SetDataTime(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
    return true;
  }
};

TEST(Scraper, ServesPrerenderedTextWithoutCopyingAndReportsItsAge) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Logger log(LogLevel::kError, LogFormat::kLogfmt, devnull);
  SelfMetrics self(log);
  auto* pre = new Prerendered;
  std::vector<NamedExporter> exporters;
  exporters.push_back({"pre", std::unique_ptr<Exporter>(pre)});
  ExporterHost host(self, log, std::move(exporters));
  Scraper scraper(host, self, log);
  ScrapeOutput out;
  scraper.Scrape(Clock::now() + std::chrono::seconds(2), out);
  ASSERT_FALSE(out.borrowed.empty());
  EXPECT_EQ(out.borrowed.front().data(), pre->text->data());  // borrowed, not copied
  std::string text;
  out.AppendTo(text);
  auto e = testing::ParseExposition(text);
  ASSERT_TRUE(e) << text;
  EXPECT_EQ(testing::FindSample(*e, "pre_value")->value, 7);
  EXPECT_EQ(testing::FindSample(*e, "swarmscope_collector_last_success_timestamp_seconds",
                                {{"collector", "pre"}})
                ->value,
            1700000000);
  std::fclose(devnull);
}

TEST(ExporterHost, AFactoryThatThrowsIsRetriedAndReportsItsReason) {
  std::FILE* devnull = std::fopen("/dev/null", "w");
  Logger log(LogLevel::kError, LogFormat::kLogfmt, devnull);
  SelfMetrics self(log);
  std::atomic<int> attempts{0};
  std::vector<ExporterSpec> specs;
  specs.push_back({{"later", "Works on the second try.", true, {}},
                   [&](ExporterDeps&) -> std::unique_ptr<Exporter> {
                     if (++attempts < 2) {
                       throw std::runtime_error("permission denied");
                     }
                     return std::make_unique<testing::FixedExporter>("later");
                   }});
  const char* argv[] = {"swarmscope"};
  const char* envp[] = {nullptr};
  const ParseOutcome parsed = ParseCommandLine(1, argv, envp, FlagsOf(specs));
  ContainerInventory inventory;
  NodeRole node("", "", ClusterMetrics::kLeader);
  HttpRoutes routes;
  ExporterHost host(self, log);
  host.AddEnabled(specs, SharedDeps{parsed.config, log, inventory, self.registry(), node, routes});
  std::string reason;
  EXPECT_EQ(host.Get(0, &reason), nullptr);
  EXPECT_EQ(reason, "starting");
  host.Start();
  for (int i = 0; i < 300 && attempts < 1; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  for (int i = 0; i < 300 && host.Get(0, &reason) == nullptr && reason != "permission denied";
       ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(reason, "permission denied");
  for (int i = 0; i < 300 && host.Get(0, &reason) == nullptr; ++i) {  // retried after ~1 s
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_NE(host.Get(0, &reason), nullptr);
  EXPECT_EQ(attempts, 2);
  std::fclose(devnull);
}

}  // namespace
}  // namespace swarmscope
