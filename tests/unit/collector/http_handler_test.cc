#include "collector/http_handler.h"

#include <gtest/gtest.h>

#include "collector/gzip.h"

namespace swarmscope {
namespace {

namespace http = boost::beast::http;
using std::chrono::milliseconds;

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : handler_(Options(), [this](Clock::time_point deadline, ScrapeOutput& out) {
          ++scrapes_;
          last_deadline_ = deadline;
          out += "# HELP up_test A test.\n# TYPE up_test gauge\nup_test 1\n";
        }) {}

  static HandlerOptions Options() {
    HandlerOptions o;
    o.telemetry_path = "/metrics";
    o.scrape_timeout = milliseconds(10000);
    o.scrape_timeout_offset = milliseconds(500);
    o.collectors = {"cgroup", "<docker>"};
    return o;
  }

  static HttpRequest Request(http::verb verb, std::string target) {
    HttpRequest r{verb, target, 11};
    r.set(http::field::host, "localhost");
    return r;
  }

  int scrapes_ = 0;
  Clock::time_point last_deadline_;
  HttpHandler handler_;
};

TEST_F(HandlerTest, MetricsGet) {
  const auto res = handler_.Handle(Request(http::verb::get, "/metrics"));
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(res.body(), "# HELP up_test A test.\n# TYPE up_test gauge\nup_test 1\n");
  EXPECT_EQ(res[http::field::content_length], std::to_string(res.body().size()));
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(scrapes_, 1);
}

TEST_F(HandlerTest, MetricsWithQueryString) {
  EXPECT_EQ(handler_.Handle(Request(http::verb::get, "/metrics?x=1")).result_int(), 200u);
}

TEST_F(HandlerTest, MetricsGzip) {
  auto req = Request(http::verb::get, "/metrics");
  req.set(http::field::accept_encoding, "deflate, gzip;q=0.8");
  const auto res = handler_.Handle(req);
  EXPECT_EQ(res[http::field::content_encoding], "gzip");
  EXPECT_EQ(res[http::field::vary], "Accept-Encoding");
  std::string plain;
  ASSERT_TRUE(GzipDecompress(res.body(), plain));
  EXPECT_EQ(plain, "# HELP up_test A test.\n# TYPE up_test gauge\nup_test 1\n");
  req.set(http::field::accept_encoding, "gzip;q=0");
  EXPECT_EQ(handler_.Handle(req)[http::field::content_encoding], "");
}

TEST_F(HandlerTest, HeadHasLengthButNoBody) {
  const auto get = handler_.Handle(Request(http::verb::get, "/metrics"));
  const auto head = handler_.Handle(Request(http::verb::head, "/metrics"));
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(head[http::field::content_length], std::to_string(get.body().size()));
}

TEST_F(HandlerTest, NotFoundAndMethodNotAllowed) {
  EXPECT_EQ(handler_.Handle(Request(http::verb::get, "/nope")).result_int(), 404u);
  EXPECT_EQ(handler_.Handle(Request(http::verb::post, "/nope")).result_int(), 404u);
  const auto res = handler_.Handle(Request(http::verb::post, "/metrics"));
  EXPECT_EQ(res.result_int(), 405u);
  EXPECT_EQ(res[http::field::allow], "GET, HEAD");
  EXPECT_EQ(handler_.Handle(Request(http::verb::delete_, "/healthz")).result_int(), 405u);
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(HandlerTest, HealthzAndLanding) {
  const auto health = handler_.Handle(Request(http::verb::get, "/healthz"));
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(health.body(), "ok\n");
  const auto landing = handler_.Handle(Request(http::verb::get, "/"));
  EXPECT_EQ(landing.result_int(), 200u);
  EXPECT_EQ(landing[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(landing.body().find("<li>cgroup</li>"), std::string::npos);
  EXPECT_NE(landing.body().find("<li>&lt;docker&gt;</li>"), std::string::npos);
  EXPECT_NE(landing.body().find("href=\"/metrics\""), std::string::npos);
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(HandlerTest, KeepAliveFollowsRequest) {
  auto req = Request(http::verb::get, "/healthz");
  req.keep_alive(false);
  EXPECT_FALSE(handler_.Handle(req).keep_alive());
  HttpRequest old{http::verb::get, "/healthz", 10};
  EXPECT_FALSE(handler_.Handle(old).keep_alive());
}

TEST_F(HandlerTest, DeadlineFromPrometheusHeader) {
  const auto now = Clock::now();
  auto req = Request(http::verb::get, "/metrics");
  EXPECT_EQ(handler_.Deadline(req, now), now + milliseconds(10000));
  req.set("X-Prometheus-Scrape-Timeout-Seconds", "4");
  EXPECT_EQ(handler_.Deadline(req, now), now + milliseconds(3500));
  req.set("X-Prometheus-Scrape-Timeout-Seconds", "0.6");
  EXPECT_EQ(handler_.Deadline(req, now), now + milliseconds(300));  // never below half
  req.set("X-Prometheus-Scrape-Timeout-Seconds", "60");
  EXPECT_EQ(handler_.Deadline(req, now), now + milliseconds(10000));  // flag caps it
  for (const char* bad : {"", "abc", "-1", "0", "nan", "inf", "5s"}) {
    req.set("X-Prometheus-Scrape-Timeout-Seconds", bad);
    EXPECT_EQ(handler_.Deadline(req, now), now + milliseconds(10000)) << bad;
  }
}

// Found by fuzz_http_request: a header too large for an int64 of milliseconds.
TEST_F(HandlerTest, HugeScrapeTimeoutHeaderMeansTheConfiguredTimeout) {
  HttpRequest r = Request(http::verb::get, "/metrics");
  r.set("X-Prometheus-Scrape-Timeout-Seconds", "77777777777777777777777777777777777777770.5");
  const Clock::time_point now = Clock::now();
  EXPECT_EQ(handler_.Deadline(r, now), now + milliseconds(10000));
}

// A request that waited for a handler thread has less time left, not more.
TEST_F(HandlerTest, DeadlineCountsFromArrival) {
  const Clock::time_point received = Clock::now() - milliseconds(3000);
  handler_.Handle(Request(http::verb::get, "/metrics"), received);
  EXPECT_EQ(last_deadline_, received + milliseconds(10000));
}

TEST_F(HandlerTest, QuickAndHandlerNames) {
  EXPECT_FALSE(handler_.IsQuick(Request(http::verb::get, "/metrics")));
  EXPECT_TRUE(handler_.IsQuick(Request(http::verb::post, "/metrics")));
  EXPECT_TRUE(handler_.IsQuick(Request(http::verb::get, "/healthz")));
  EXPECT_EQ(handler_.HandlerName("/metrics?a"), "metrics");
  EXPECT_EQ(handler_.HandlerName("/x"), "other");
}

// A scrape that never blocks is answered on the I/O thread, unless it must be compressed.
TEST(HandlerQuick, ScrapeThatNeverBlocksIsQuickUnlessGzipped) {
  HandlerOptions o;
  bool never_blocks = true;
  o.scrape_never_blocks = [&] { return never_blocks; };
  HttpHandler handler(o, [](Clock::time_point, ScrapeOutput&) {});
  HttpRequest plain{http::verb::get, "/metrics", 11};
  EXPECT_TRUE(handler.IsQuick(plain));
  HttpRequest gzip = plain;
  gzip.set(http::field::accept_encoding, "gzip");
  EXPECT_FALSE(handler.IsQuick(gzip));
  never_blocks = false;
  EXPECT_FALSE(handler.IsQuick(plain));
}

TEST(AcceptsGzip, Cases) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("br, gzip, deflate"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipx"));
}

TEST(Gzip, PiecesCompressAsOneStream) {
  std::vector<std::string> parts = {"", std::string(70000, 'x'), "middle\n", "",
                                    std::string(200000, 'y')};
  std::vector<std::string_view> views(parts.begin(), parts.end());
  std::string z;
  ASSERT_TRUE(GzipCompress(views, z));
  std::string back;
  ASSERT_TRUE(GzipDecompress(z, back));
  EXPECT_EQ(back, parts[1] + parts[2] + parts[4]);
  std::string empty;
  ASSERT_TRUE(GzipCompress(std::vector<std::string_view>{}, empty));
  std::string nothing;
  EXPECT_TRUE(GzipDecompress(empty, nothing));
  EXPECT_TRUE(nothing.empty());
}

TEST(Gzip, RoundTrip) {
  std::string in(100000, 'a');
  for (size_t i = 0; i < in.size(); i += 7) {
    in[i] = static_cast<char>('a' + i % 26);
  }
  std::string z;
  ASSERT_TRUE(GzipCompress(in, z));
  EXPECT_LT(z.size(), in.size() / 4);
  std::string back;
  ASSERT_TRUE(GzipDecompress(z, back));
  EXPECT_EQ(back, in);
  std::string garbage_out;
  EXPECT_FALSE(GzipDecompress("not gzip at all", garbage_out));
  EXPECT_FALSE(GzipDecompress(z.substr(0, z.size() / 2), garbage_out));
}

}  // namespace
}  // namespace swarmscope
