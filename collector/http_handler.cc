#include "collector/http_handler.h"

#include <boost/beast/version.hpp>
#include <charconv>
#include <cmath>

#include "collector/gzip.h"
#include "collector/metric_writer.h"
#include "collector/version.h"

namespace swarmscope {
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Sets the common headers and, for HEAD, keeps Content-Length but drops the body.
HttpResponse Finish(const HttpRequest& request, HttpResponse res) {
  res.version(request.version());
  res.keep_alive(request.keep_alive());
  res.set(http::field::server, std::string("swarmscope/") + kVersion);
  res.prepare_payload();
  if (request.method() == http::verb::head) {
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  return res;
}

}  // namespace

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

HttpResponse TextResponse(const HttpRequest& request, unsigned status, std::string body) {
  HttpResponse res{static_cast<http::status>(status), request.version()};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(body);
  return Finish(request, std::move(res));
}

HttpHandler::HttpHandler(HandlerOptions options, ScrapeFunction scrape)
    : options_(std::move(options)), scrape_(std::move(scrape)) {}

std::string_view HttpHandler::HandlerName(std::string_view target) const {
  const std::string_view path = TargetPath(target);
  if (path == options_.telemetry_path) {
    return "metrics";
  }
  if (path == "/healthz") {
    return "healthz";
  }
  if (path == "/") {
    return "landing";
  }
  if (const auto route = FindRoute(target)) {
    return route->handler;  // the table keeps every route it was given
  }
  return "other";
}

std::shared_ptr<const Route> HttpHandler::FindRoute(std::string_view target) const {
  return options_.routes != nullptr ? options_.routes->Find(TargetPath(target)) : nullptr;
}

bool HttpHandler::IsQuick(const HttpRequest& request) const {
  const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
  if (read && FindRoute(request.target())) {
    return false;  // a route may wait on its peer
  }
  if (!read || HandlerName(request.target()) != "metrics") {
    return true;
  }
  const auto accept = request.find(http::field::accept_encoding);
  const bool gzip = accept != request.end() && AcceptsGzip(accept->value());
  return !gzip && options_.scrape_never_blocks && options_.scrape_never_blocks();
}

Clock::time_point HttpHandler::Deadline(const HttpRequest& request, Clock::time_point now) const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  milliseconds timeout = options_.scrape_timeout;
  const auto header = request.find("X-Prometheus-Scrape-Timeout-Seconds");
  if (header != request.end()) {
    const std::string_view v = header->value();
    double seconds = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    // A header longer than --scrape.timeout changes nothing (and might not fit an int64).
    const double limit_ms = static_cast<double>(timeout.count());
    if (ec == std::errc() && end == v.data() + v.size() && std::isfinite(seconds) && seconds > 0 &&
        seconds * 1000 < limit_ms) {
      milliseconds from_header(static_cast<int64_t>(seconds * 1000));
      // Leave the offset for the answer to travel, but never less than half the budget.
      from_header = std::max(from_header - options_.scrape_timeout_offset, from_header / 2);
      timeout = std::min(timeout, from_header);
    }
  }
  return now + timeout;
}

HttpResponse HttpHandler::Handle(const HttpRequest& request, Clock::time_point received) const {
  const std::string_view name = HandlerName(request.target());
  const bool read = request.method() == http::verb::get || request.method() == http::verb::head;
  if (name == "other") {
    return TextResponse(request, 404, "404 page not found\n");
  }
  if (!read) {
    HttpResponse res = TextResponse(request, 405, "405 method not allowed\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (name == "healthz") {
    return TextResponse(request, 200, "ok\n");
  }
  if (name == "landing") {
    return Landing(request);
  }
  if (name != "metrics") {
    if (const auto route = FindRoute(request.target())) {
      RouteAnswer answer = route->answer(Deadline(request, received));
      HttpResponse res{static_cast<http::status>(answer.status), request.version()};
      res.set(http::field::content_type, answer.content_type);
      res.body() = std::move(answer.body);
      return Finish(request, std::move(res));
    }
    return TextResponse(request, 404, "404 page not found\n");
  }
  return Metrics(request, received);
}

HttpResponse HttpHandler::Metrics(const HttpRequest& request, Clock::time_point received) const {
  ScrapeOutput scraped;
  scrape_(Deadline(request, received), scraped);
  HttpResponse res{http::status::ok, request.version()};
  res.set(http::field::content_type, kExpositionType);
  res.set(http::field::vary, "Accept-Encoding");
  const auto accept = request.find(http::field::accept_encoding);
  std::string compressed;
  if (accept != request.end() && AcceptsGzip(accept->value()) &&
      GzipCompress(scraped.Pieces(), compressed)) {
    res.set(http::field::content_encoding, "gzip");
    res.body() = std::move(compressed);
  } else {
    scraped.AppendTo(res.body());
  }
  return Finish(request, std::move(res));
}

HttpResponse HttpHandler::Landing(const HttpRequest& request) const {
  const std::string path = HtmlEscape(options_.telemetry_path);
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>swarmscope</title></head>\n"
      "<body>\n<h1>swarmscope</h1>\n<p>Swarm-native metrics collector, version ";
  html += HtmlEscape(kVersion);
  html += " (revision ";
  html += HtmlEscape(kRevision);
  html += ").</p>\n<p><a href=\"" + path +
          "\">Metrics</a> &middot; <a href=\"/healthz\">Health</a></p>\n";
  html += "<h2>Enabled collectors</h2>\n<ul>\n";
  for (const auto& c : options_.collectors) {
    html += "<li>" + HtmlEscape(c) + "</li>\n";
  }
  if (options_.collectors.empty()) {
    html += "<li>(none)</li>\n";
  }
  html += "</ul>\n</body></html>\n";
  HttpResponse res{http::status::ok, request.version()};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.body() = std::move(html);
  return Finish(request, std::move(res));
}

}  // namespace swarmscope
