// The relay of dockerd's metrics endpoint (/engine/metrics) against a real HTTP server
// (python3's http.server on a loopback port, serving a file): the body as served, 503 with
// the reason and a counted error when the peer is down, answers an error, too much or too
// late, 404 when off, the flag checked at start-up, and the route as the HTTP handler
// serves it. Against a real dockerd's metrics-addr: tests/integration/swarm_e2e_test.sh.

#include "exporters/docker/engine_relay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "collector/http_handler.h"
#include "exporters/docker/docker_exporter.h"
#include "tests/support/exporter_harness.h"
#include "tests/support/exposition_parser.h"

namespace swarmscope::docker {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::string_view kDockerdText =
    "# HELP engine_daemon_container_actions_seconds The number of seconds it takes to process "
    "each container action\n"
    "# TYPE engine_daemon_container_actions_seconds histogram\n"
    "engine_daemon_container_actions_seconds_count{action=\"start\"} 3\n";

// A port on 127.0.0.1 that is free now.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// python3 -m http.server on 127.0.0.1, serving `dir`.
class HttpServer {
 public:
  explicit HttpServer(const std::string& dir) : port_(FreePort()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen("/dev/null", "w", stderr);
      const std::string port = std::to_string(port_);
      ::execlp("python3", "python3", "-m", "http.server", port.c_str(), "--bind", "127.0.0.1",
               "--directory", dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // until it serves
      if (FetchMetrics(url("/"), milliseconds(500), 1 << 20).status != 0) {
        return;
      }
      std::this_thread::sleep_for(milliseconds(25));
    }
    ADD_FAILURE() << "python3 -m http.server did not start on port " << port_;
  }
  ~HttpServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

class EngineRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/engine-relay-" + std::to_string(::getpid());
    fs::create_directories(dir_);
    std::ofstream(dir_ + "/metrics") << kDockerdText;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The collector's own metrics, to read swarmscope_collector_errors_total.
  static double RelayErrors(testing::ExporterHarness& h) {
    auto e = testing::ParseExposition(h.SelfText());
    const auto* s = e ? testing::FindSample(*e, "swarmscope_collector_errors_total",
                                            {{"collector", "docker"}, {"cause", "engine_metrics"}})
                      : nullptr;
    return s != nullptr ? s->value : 0;
  }
  static std::vector<std::string> Args(const std::string& url) {
    return {"--docker.host=unix:///nonexistent/swarmscope-test.sock",
            "--docker.engine-metrics-url=" + url, "--docker.timeout=2s"};
  }
  static RouteAnswer Ask(testing::ExporterHarness& h) {
    h.exporter();
    const auto route = h.routes().Find(kEngineMetricsPath);
    EXPECT_NE(route, nullptr);
    return route ? route->answer(std::chrono::steady_clock::now() + std::chrono::seconds(5))
                 : RouteAnswer{};
  }

  std::string dir_;
};

TEST_F(EngineRelayTest, RelaysDockerdsExpositionAsServed) {
  HttpServer peer(dir_);
  testing::ExporterHarness h(DockerExporterSpec(), Args(peer.url("/metrics")));
  const RouteAnswer a = Ask(h);
  EXPECT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(a.body, kDockerdText);
  EXPECT_EQ(a.content_type.rfind("text/plain", 0), 0u) << a.content_type;
  EXPECT_EQ(RelayErrors(h), 0);
}

TEST_F(EngineRelayTest, PeerDownOrFailingIs503WithTheReasonAndCounted) {
  std::string url;
  {
    HttpServer gone(dir_);
    url = gone.url("/metrics");
  }  // stopped: nothing listens there now
  testing::ExporterHarness h(DockerExporterSpec(), Args(url));
  RouteAnswer a = Ask(h);
  EXPECT_EQ(a.status, 503u);
  EXPECT_NE(a.body.find(url), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("cannot be relayed"), std::string::npos) << a.body;
  EXPECT_EQ(RelayErrors(h), 1);
  // The docker collector itself is unaffected: it answers (without dockerd) as always.
  EXPECT_FALSE(h.Collect().ok);

  HttpServer peer(dir_);
  testing::ExporterHarness wrong_path(DockerExporterSpec(), Args(peer.url("/nothing-here")));
  a = Ask(wrong_path);
  EXPECT_EQ(a.status, 503u);
  EXPECT_NE(a.body.find("answered HTTP 404"), std::string::npos) << a.body;
  EXPECT_EQ(RelayErrors(wrong_path), 1);
}

TEST_F(EngineRelayTest, BoundedInSizeAndTime) {
  HttpServer peer(dir_);
  testing::ExporterHarness h(DockerExporterSpec(), {});
  ErrorReporter& errors = h.self().ErrorsFor("docker");
  EngineMetricsRelay small(peer.url("/metrics"), milliseconds(2000), errors, 16);
  RouteAnswer a = small.Answer(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(a.status, 503u);
  EXPECT_NE(a.body.find("larger than 16 bytes"), std::string::npos) << a.body;

  // A peer that accepts connections and never answers: the relay gives up at its timeout.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string silent = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
  EngineMetricsRelay slow(silent, milliseconds(300), errors);
  a = slow.Answer(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(a.status, 503u);
  EXPECT_NE(a.body.find("imed out"), std::string::npos) << a.body;
  ::close(fd);
  EXPECT_EQ(RelayErrors(h), 2);
}

TEST_F(EngineRelayTest, OffByDefaultSaysSo) {
  testing::ExporterHarness h(DockerExporterSpec(),
                             {"--docker.host=unix:///nonexistent/swarmscope-test.sock"});
  const RouteAnswer a = Ask(h);
  EXPECT_EQ(a.status, 404u);
  EXPECT_NE(a.body.find("--docker.engine-metrics-url"), std::string::npos) << a.body;
  EXPECT_EQ(RelayErrors(h), 0);
}

TEST_F(EngineRelayTest, BadUrlIsAStartUpError) {
  const std::vector<ExporterSpec> specs = {DockerExporterSpec()};
  const char* envp[] = {nullptr};
  for (const char* bad : {"--docker.engine-metrics-url=127.0.0.1:9323/metrics",
                          "--docker.engine-metrics-url=ftp://127.0.0.1/metrics",
                          "--docker.engine-metrics-url=http:///metrics"}) {
    const char* argv[] = {"swarmscope", bad};
    const ParseOutcome r = ParseCommandLine(2, argv, envp, FlagsOf(specs));
    EXPECT_EQ(r.action, ParseOutcome::Action::kError) << bad;
    EXPECT_NE(r.message.find("--docker.engine-metrics-url"), std::string::npos) << r.message;
  }
  const char* argv[] = {"swarmscope", "--docker.engine-metrics-url=http://127.0.0.1:9323/metrics"};
  EXPECT_EQ(ParseCommandLine(2, argv, envp, FlagsOf(specs)).action, ParseOutcome::Action::kRun);
}

// Through the HTTP handler, as the server serves it: its own handler name, never answered
// on the I/O thread, HEAD without a body, other methods 405; /metrics unchanged.
TEST_F(EngineRelayTest, ServedByTheHandlerOnItsOwnPath) {
  HttpServer peer(dir_);
  testing::ExporterHarness h(DockerExporterSpec(), Args(peer.url("/metrics")));
  h.exporter();
  HandlerOptions options;
  options.routes = &h.routes();
  HttpHandler handler(options, [](Clock::time_point, ScrapeOutput&) {});
  namespace http = boost::beast::http;
  HttpRequest get{http::verb::get, "/engine/metrics", 11};
  EXPECT_EQ(handler.HandlerName(get.target()), "engine");
  EXPECT_FALSE(handler.IsQuick(get));
  HttpResponse res = handler.Handle(get);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), kDockerdText);
  HttpRequest head{http::verb::head, "/engine/metrics?x=1", 11};
  res = handler.Handle(head);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res[http::field::content_length], std::to_string(kDockerdText.size()));
  HttpRequest post{http::verb::post, "/engine/metrics", 11};
  EXPECT_EQ(handler.Handle(post).result_int(), 405u);
  HttpRequest other{http::verb::get, "/engine/other", 11};
  EXPECT_EQ(handler.Handle(other).result_int(), 404u);
  EXPECT_EQ(handler.HandlerName("/metrics"), "metrics");
}

}  // namespace
}  // namespace swarmscope::docker
