#pragma once

// dockerd's own metrics (its metrics-addr endpoint, e.g. http://127.0.0.1:9323/metrics)
// relayed on the collector's /engine/metrics, as swarmprom's dockerd-exporter relayed them:
// one GET to dockerd per request, bounded in time and size. A separate path, because
// dockerd's names (engine_daemon_engine_info, swarm_node_info, ...) would collide with
// swarmscope's own on /metrics.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "collector/exporter.h"
#include "collector/http_routes.h"

namespace swarmscope::docker {

/// The path the relay answers on.
inline constexpr std::string_view kEngineMetricsPath = "/engine/metrics";
/// The largest answer relayed (dockerd's is some 100 KiB).
inline constexpr size_t kEngineMetricsMaxBytes = size_t{8} << 20;

/// One GET of `url`: the body, or why not. No redirects, http and https only.
struct FetchResult {
  bool ok = false;  ///< a whole 200 answer within the limits
  long status = 0;  ///< HTTP status, 0 without an answer
  std::string content_type;
  std::string body;
  std::string error;  ///< what went wrong, when !ok
};
FetchResult FetchMetrics(const std::string& url, std::chrono::milliseconds timeout,
                         size_t max_bytes);

/// The relay. Answer() is what /engine/metrics serves: dockerd's exposition as it sent it;
/// 503 and the reason when dockerd does not answer, answers an error or too much (counted as
/// swarmscope_collector_errors_total{collector="docker",cause="engine_metrics"}); 404 when
/// --docker.engine-metrics-url is empty. One request to dockerd at a time: a second
/// concurrent one gets 503 rather than holding another handler thread.
class EngineMetricsRelay {
 public:
  EngineMetricsRelay(std::string url, std::chrono::milliseconds timeout, ErrorReporter& errors,
                     size_t max_bytes = kEngineMetricsMaxBytes);
  RouteAnswer Answer(std::chrono::steady_clock::time_point deadline);

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
  ErrorReporter& errors_;
  size_t max_bytes_;
  std::mutex busy_;
};

}  // namespace swarmscope::docker
