// The HTTP server over real sockets on 127.0.0.1, port 0.

#include "collector/http_server.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <future>
#include <thread>

#include "collector/daemon.h"
#include "collector/gzip.h"
#include "collector/scraper.h"
#include "tests/support/exposition_parser.h"
#include "tests/support/http_client.h"
#include "tests/support/test_exporters.h"

namespace swarmscope {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

using testing::Client;
using testing::Response;

class ServerTest : public ::testing::Test {
 protected:
  void Start(milliseconds scrape_pause = {}, ServerOptions options = {}) {
    std::vector<NamedExporter> exporters;
    exporters.push_back({"fixed", std::make_unique<testing::FixedExporter>("fixed", scrape_pause)});
    host_ = std::make_unique<ExporterHost>(self_, log_, std::move(exporters));
    scraper_ = std::make_unique<Scraper>(*host_, self_, log_);
    HandlerOptions handler_options;
    handler_options.collectors = scraper_->Names();
    handler_ = std::make_unique<HttpHandler>(
        handler_options,
        [this](Clock::time_point deadline, ScrapeOutput& out) { scraper_->Scrape(deadline, out); });
    server_ = std::make_unique<HttpServer>(ioc_, options, *handler_, self_, log_);
    ASSERT_EQ(server_->Listen("127.0.0.1:0"), "");
    server_->Start();
    io_thread_ = std::thread([this] { ioc_.run(); });
  }

  // Stops the server as SIGTERM does and returns how long the io_context took to finish.
  milliseconds Stop() {
    const auto start = Clock::now();
    asio::post(ioc_, [this] {
      scraper_->Cancel();
      server_->Shutdown();
    });
    io_thread_.join();
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  }

  void TearDown() override {
    if (io_thread_.joinable()) {
      Stop();
    }
    server_.reset();
    handler_.reset();
    scraper_.reset();
    std::fclose(devnull_);
  }

  uint16_t port() const { return server_->port(); }

  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  SelfMetrics self_{log_};
  asio::io_context ioc_;
  std::unique_ptr<ExporterHost> host_;
  std::unique_ptr<Scraper> scraper_;
  std::unique_ptr<HttpHandler> handler_;
  std::unique_ptr<HttpServer> server_;
  std::thread io_thread_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  Client c(port());
  const Response m = c.Get("/metrics");
  EXPECT_EQ(m.result_int(), 200u);
  EXPECT_NE(m.body().find("test_value_fixed{source=\"fixed\"} 1"), std::string::npos);
  EXPECT_TRUE(m.keep_alive());
  EXPECT_EQ(c.Get("/healthz").body(), "ok\n");
  EXPECT_EQ(c.Get("/nope").result_int(), 404u);
  Response again = c.Get("/metrics");
  auto e = testing::ParseExposition(again.body());
  ASSERT_TRUE(e);
  // Requests are counted by handler and code, over the same connection.
  const auto* counted = testing::FindSample(*e, "swarmscope_http_requests_total",
                                            {{"handler", "metrics"}, {"code", "200"}});
  ASSERT_NE(counted, nullptr);
  EXPECT_EQ(counted->value, 1);
  EXPECT_EQ(testing::FindSample(*e, "swarmscope_http_requests_total",
                                {{"handler", "other"}, {"code", "404"}})
                ->value,
            1);
}

TEST_F(ServerTest, GzipHeadAndMethodNotAllowed) {
  Start();
  Client c(port());
  const Response z = c.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(z[http::field::content_encoding], "gzip");
  std::string plain;
  ASSERT_TRUE(GzipDecompress(z.body(), plain));
  EXPECT_TRUE(testing::ParseExposition(plain));

  c.Send(http::verb::head, "/metrics");
  const Response h = c.Read(/*head=*/true);
  EXPECT_EQ(h.result_int(), 200u);
  EXPECT_GT(std::stoul(std::string(h[http::field::content_length])), 100u);

  c.Send(http::verb::post, "/metrics");
  const Response p = c.Read();
  EXPECT_EQ(p.result_int(), 405u);
  EXPECT_EQ(p[http::field::allow], "GET, HEAD");
  EXPECT_EQ(c.Get("/healthz").result_int(), 200u);  // still usable
}

TEST_F(ServerTest, OversizedHeadersGet431AndClose) {
  Start();
  Client c(port());
  std::string req =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  c.SendRaw(req);
  const Response r = c.Read();
  EXPECT_EQ(r.result_int(), 431u);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(ServerTest, GarbageGets400) {
  Start();
  Client c(port());
  c.SendRaw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(c.Read().result_int(), 400u);
}

TEST_F(ServerTest, RequestBodyIsRefused) {
  Start();
  Client c(port());
  c.SendRaw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(c.Read().result_int(), 413u);
}

TEST_F(ServerTest, SlowClientDoesNotBlockOthers) {
  Start();
  Client slow(port());
  slow.SendRaw("GET /metrics HTTP/1.1\r\nHo");  // and then nothing
  Client other(port());
  EXPECT_EQ(other.Get("/metrics").result_int(), 200u);
  EXPECT_EQ(other.Get("/healthz").result_int(), 200u);
  slow.SendRaw("st: x\r\n\r\n");  // the slow one completes later and is answered too
  EXPECT_EQ(slow.Read().result_int(), 200u);
}

TEST_F(ServerTest, SlowScrapeDoesNotBlockHealthz) {
  Start(milliseconds(1500));
  Client scraping(port());
  scraping.Send(http::verb::get, "/metrics");
  auto pending = std::async(std::launch::async, [&] { return scraping.Read(); });
  Client health(port());
  EXPECT_EQ(health.Get("/healthz").result_int(), 200u);
  // The health check was answered while the scrape was still collecting.
  EXPECT_EQ(pending.wait_for(milliseconds(0)), std::future_status::timeout);
  EXPECT_EQ(pending.get().result_int(), 200u);
}

TEST_F(ServerTest, ReadTimeoutClosesStalledConnections) {
  ServerOptions options;
  options.read_timeout = milliseconds(200);
  Start({}, options);
  Client stalled(port());
  stalled.SendRaw("GET /metr");
  EXPECT_TRUE(stalled.ClosedByPeer());
}

TEST_F(ServerTest, HealthcheckAsksHealthzOnTheListenAddress) {
  Start();
  EXPECT_EQ(CheckHealth("127.0.0.1:" + std::to_string(port()), milliseconds(2000)), "");
  // A wildcard listen address is asked on loopback.
  EXPECT_EQ(CheckHealth(":" + std::to_string(port()), milliseconds(2000)), "");
  EXPECT_EQ(CheckHealth("0.0.0.0:" + std::to_string(port()), milliseconds(2000)), "");
}

TEST(Healthcheck, NothingListeningIsUnhealthy) {
  asio::io_context ioc;
  tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = probe.local_endpoint().port();
  probe.close();
  const std::string err = CheckHealth("127.0.0.1:" + std::to_string(port), milliseconds(2000));
  EXPECT_NE(err.find("refused"), std::string::npos) << err;
}

TEST(Healthcheck, APeerThatNeverAnswersTimesOut) {
  asio::io_context ioc;
  // Accepted by the kernel's backlog, never read: the request goes unanswered.
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto start = Clock::now();
  const std::string err =
      CheckHealth("127.0.0.1:" + std::to_string(silent.local_endpoint().port()), milliseconds(300));
  EXPECT_NE(err.find("did not answer within"), std::string::npos) << err;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(Healthcheck, NonOkAnswerIsUnhealthy) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = acceptor.local_endpoint().port();
  std::thread peer([&] {
    tcp::socket s = acceptor.accept();
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(s, buf, req);
    EXPECT_EQ(req.target(), "/healthz");
    http::response<http::string_body> res{http::status::service_unavailable, 11};
    res.body() = "starting";
    res.prepare_payload();
    http::write(s, res);
  });
  const std::string err = CheckHealth("127.0.0.1:" + std::to_string(port), milliseconds(2000));
  peer.join();
  EXPECT_NE(err.find("answered 503"), std::string::npos) << err;
}

TEST_F(ServerTest, ConnectionLimit) {
  ServerOptions options;
  options.max_connections = 3;
  Start({}, options);
  std::vector<std::unique_ptr<Client>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<Client>(port()));
    EXPECT_EQ(open.back()->Get("/healthz").result_int(), 200u);
  }
  Client extra(port());
  EXPECT_TRUE(extra.ClosedByPeer());
  open.pop_back();  // one closes; a new connection is served again
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::this_thread::sleep_for(milliseconds(20));
    Client c(port());
    beast::error_code ec;
    try {
      if (c.Get("/healthz").result_int() == 200u) {
        SUCCEED();
        return;
      }
    } catch (const std::exception&) {
    }
  }
  FAIL() << "no connection accepted after one was closed";
}

TEST_F(ServerTest, ShutdownFinishesInFlightResponsesAndClosesIdleOnes) {
  Start(milliseconds(5000));
  Client idle(port());
  EXPECT_EQ(idle.Get("/healthz").result_int(), 200u);
  Client busy(port());
  busy.Send(http::verb::get, "/metrics");
  auto pending = std::async(std::launch::async, [&] { return busy.Read(); });
  std::this_thread::sleep_for(milliseconds(200));  // the scrape is now in flight
  const milliseconds took = Stop();
  const Response r = pending.get();
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_NE(r.body().find("swarmscope_scrape_collector_success{collector=\"fixed\"} 0"),
            std::string::npos);
  EXPECT_TRUE(idle.ClosedByPeer());
  EXPECT_LT(took, milliseconds(2000));  // the contract with swarm's stop grace period
}

}  // namespace
}  // namespace swarmscope
