// The daemon as main() runs it: real sockets on 127.0.0.1, a real SIGTERM.

#include "collector/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/test_exporters.h"

namespace swarmscope {
namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;
using testing::Client;

// RunDaemon on a free loopback port, as main() runs it, on a thread of its own.
class RunningDaemon {
 public:
  explicit RunningDaemon(const std::vector<ExporterSpec>& specs) : specs_(specs) {
    const char* argv[] = {"swarmscope", "--web.listen-address=127.0.0.1:0", "--log.level=error"};
    const char* envp[] = {nullptr};
    parsed_ = ParseCommandLine(3, argv, envp, FlagsOf(specs_));
    EXPECT_EQ(parsed_.action, ParseOutcome::Action::kRun) << parsed_.message;
    exit_code_ = std::async(std::launch::async, [this] {
      return RunDaemon(parsed_.config, specs_, [this](uint16_t port) { ready_.set_value(port); });
    });
  }
  /// The port, once the daemon is ready (0 if not within 5 s).
  uint16_t port() {
    auto ready = ready_.get_future();
    return ready.wait_for(std::chrono::seconds(5)) == std::future_status::ready ? ready.get() : 0;
  }
  std::future<int>& exit_code() { return exit_code_; }

 private:
  std::vector<ExporterSpec> specs_;
  ParseOutcome parsed_;
  std::promise<uint16_t> ready_;
  std::future<int> exit_code_;
};

// The daemon as main() runs it, stopped by a real SIGTERM while a scrape is in flight.
TEST(Daemon, SigtermDrainsAndExitsZero) {
  std::vector<ExporterSpec> specs;
  specs.push_back({{"slow", "Slow test collector.", true, {}}, [](ExporterDeps&) {
                     return std::make_unique<testing::FixedExporter>("slow", milliseconds(5000));
                   }});
  RunningDaemon running(specs);
  const uint16_t port = running.port();
  ASSERT_NE(port, 0);
  auto& daemon = running.exit_code();
  Client c(port);
  c.Send(http::verb::get, "/metrics");
  auto pending = std::async(std::launch::async, [&] { return c.Read(); });
  std::this_thread::sleep_for(milliseconds(200));
  const auto start = Clock::now();
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  ASSERT_EQ(daemon.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(daemon.get(), 0);
  EXPECT_EQ(pending.get().result_int(), 200u);
}

// Factories run after the server listens: one that blocks keeps neither start-up nor
// /healthz waiting, one that throws leaves its collector reporting why, the others answer.
TEST(Daemon, ExportersStartAfterTheServerListensAndFailAlone) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::vector<ExporterSpec> specs;
  specs.push_back({{"fixed", "Fixed.", true, {}}, [](ExporterDeps&) {
                     return std::make_unique<testing::FixedExporter>("fixed");
                   }});
  specs.push_back({{"blocked", "Blocks in its factory.", true, {}}, [released](ExporterDeps&) {
                     released.wait();
                     return std::make_unique<testing::FixedExporter>("blocked");
                   }});
  specs.push_back(
      {{"broken", "Cannot start.", true, {}}, [](ExporterDeps&) -> std::unique_ptr<Exporter> {
         throw std::runtime_error("no keyring at /etc/ceph/x");
       }});
  RunningDaemon running(specs);
  const uint16_t port = running.port();
  ASSERT_NE(port, 0);
  auto& daemon = running.exit_code();
  Client c(port);
  c.Send(http::verb::get, "/healthz");
  EXPECT_EQ(c.Read().result_int(), 200u);
  // Scrapes until the body has `text` (2 s at most); returns the last body.
  auto scrape_until = [&c](std::string_view text) {
    std::string body;
    for (int i = 0; i < 100; ++i) {
      c.Send(http::verb::get, "/metrics");
      body = c.Read().body();
      if (body.find(text) != std::string::npos) {
        break;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return body;
  };
  // Each factory runs on its own task: wait for the fixed one to run and for the broken
  // one's first attempt (either may come first).
  scrape_until("swarmscope_scrape_collector_success{collector=\"fixed\"} 1");
  std::string body = scrape_until("reason=\"no keyring");
  EXPECT_NE(body.find("swarmscope_scrape_collector_success{collector=\"fixed\"} 1"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("swarmscope_scrape_collector_success{collector=\"blocked\"} 0"),
            std::string::npos);
  EXPECT_NE(body.find("swarmscope_scrape_collector_success{collector=\"broken\"} 0"),
            std::string::npos);
  EXPECT_NE(
      body.find(
          "swarmscope_collector_unavailable_info{collector=\"blocked\",reason=\"starting\"} 1"),
      std::string::npos)
      << body;
  EXPECT_NE(body.find("swarmscope_collector_unavailable_info{collector=\"broken\",reason=\"no "
                      "keyring at /etc/ceph/x\"} 1"),
            std::string::npos);
  EXPECT_NE(body.find("swarmscope_collector_last_success_timestamp_seconds{collector=\"fixed\"}"),
            std::string::npos);
  release.set_value();
  body = scrape_until("swarmscope_scrape_collector_success{collector=\"blocked\"} 1");
  EXPECT_NE(body.find("test_value_blocked{source=\"blocked\"} 1"), std::string::npos) << body;
  EXPECT_EQ(body.find("collector=\"blocked\",reason="), std::string::npos);
  const auto start = Clock::now();
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  ASSERT_EQ(daemon.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));  // the broken one's retry wait is cut short
  EXPECT_EQ(daemon.get(), 0);
}

}  // namespace
}  // namespace swarmscope
