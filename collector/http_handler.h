#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/exporter.h"
#include "collector/http_routes.h"
#include "collector/scrape_output.h"

namespace swarmscope {

using HttpRequest = boost::beast::http::request<boost::beast::http::empty_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// Produces the exposition for one scrape that must answer by the given deadline.
using ScrapeFunction = std::function<void(Clock::time_point deadline, ScrapeOutput& out)>;

/// Settings of the request handler.
struct HandlerOptions {
  std::string telemetry_path = "/metrics";
  std::chrono::milliseconds scrape_timeout{10000};
  std::chrono::milliseconds scrape_timeout_offset{500};
  std::vector<std::string> collectors;  ///< enabled collectors, for the landing page
  /// Whether a scrape returns at once (Scraper::NeverBlocks); then an uncompressed scrape
  /// is quick too. Unset: never.
  std::function<bool()> scrape_never_blocks;
  /// Paths exporters serve besides the telemetry path (may be null: none).
  const HttpRoutes* routes = nullptr;
};

/// HTTP request handling as a pure function of the request: no socket, no server state.
/// GET/HEAD on the telemetry path (gzip when accepted), /healthz, a landing page at /, the
/// exporters' routes, 404 for unknown paths and 405 for other methods.
class HttpHandler {
 public:
  HttpHandler(HandlerOptions options, ScrapeFunction scrape);

  /// `received`: when the request arrived; a scrape's deadline counts from then, not from
  /// when a thread got round to it.
  HttpResponse Handle(const HttpRequest& request, Clock::time_point received = Clock::now()) const;

  /// Whether Handle() can answer without waiting (everything but a scrape, and a scrape that
  /// never blocks and need not be compressed), so a server may answer it on its I/O thread.
  bool IsQuick(const HttpRequest& request) const;

  /// The `handler` label of swarmscope_http_requests_total for a request target.
  std::string_view HandlerName(std::string_view target) const;

  /// The scrape deadline for a request received at `now`: --scrape.timeout, lowered by
  /// X-Prometheus-Scrape-Timeout-Seconds minus --scrape.timeout-offset.
  Clock::time_point Deadline(const HttpRequest& request, Clock::time_point now) const;

 private:
  HttpResponse Metrics(const HttpRequest& request, Clock::time_point received) const;
  HttpResponse Landing(const HttpRequest& request) const;
  std::shared_ptr<const Route> FindRoute(std::string_view target) const;

  HandlerOptions options_;
  ScrapeFunction scrape_;
};

/// The path of a request target, without query or fragment.
std::string_view TargetPath(std::string_view target);

/// A plain-text response with the given status, for the handler and the server alike.
HttpResponse TextResponse(const HttpRequest& request, unsigned status, std::string body);

}  // namespace swarmscope
