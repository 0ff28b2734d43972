#pragma once

// Paths served next to the telemetry path by an exporter (e.g. the docker exporter's
// /engine/metrics, a relay of dockerd's own metrics endpoint): registered by exporters'
// factories, on any thread, and looked up by the HTTP handler for every request.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope {

/// What a route answers.
struct RouteAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

/// One extra path: the `handler` label of swarmscope_http_requests_total and what answers a
/// GET or HEAD on it, by `deadline` (--scrape.timeout, lowered by Prometheus' header). It
/// runs on a handler thread, never on the server's I/O thread, and must not throw.
struct Route {
  std::string handler;
  std::function<RouteAnswer(std::chrono::steady_clock::time_point deadline)> answer;
};

/// The extra paths, by exact path.
class HttpRoutes {
 public:
  /// Adds (or replaces: an exporter created again after a failed start) the route at `path`.
  /// A replaced route is kept, so that the handler names handed out stay valid.
  void Add(std::string path, Route route);
  /// The route at `path`, or nullptr.
  std::shared_ptr<const Route> Find(std::string_view path) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Route>, std::less<>> routes_;
  std::vector<std::shared_ptr<const Route>> replaced_;
};

}  // namespace swarmscope
