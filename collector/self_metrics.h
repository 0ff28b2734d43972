#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "collector/exporter.h"
#include "collector/log.h"

namespace swarmscope {

/// Appends `families` in the text format 0.0.4, as prometheus::TextSerializer would but with
/// the MetricWriter's escaping and number formatting (no iostreams: several times faster,
/// which matters on every scrape). Counter, gauge, untyped and histogram families; a family
/// of another type goes through TextSerializer.
void AppendExposition(std::string& out, const std::vector<prometheus::MetricFamily>& families);

/// The daemon's own instrumentation, kept in a prometheus-cpp Registry:
/// swarmscope_build_info, swarmscope_http_requests_total{handler,code},
/// swarmscope_http_connections_rejected_total, swarmscope_collector_* per collector, and the
/// standard process_* metrics read from `proc_self` (normally /proc/self).
class SelfMetrics {
 public:
  explicit SelfMetrics(Logger& log, std::string proc_self = "/proc/self",
                       std::string proc_root = "/proc");
  ~SelfMetrics();
  SelfMetrics(const SelfMetrics&) = delete;
  SelfMetrics& operator=(const SelfMetrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }

  void CountRequest(std::string_view handler, unsigned code);
  void CountRejectedConnection();
  /// One finished (or abandoned, `timed_out`) collection of one collector.
  void ObserveCollection(std::string_view collector, double seconds, bool success, bool timed_out);
  /// The error reporter handed to `collector`'s collections.
  ErrorReporter& ErrorsFor(std::string_view collector);

  /// Appends the registry's exposition (text 0.0.4) to `out`.
  void Serialize(std::string& out) const;

 private:
  class CollectorErrors;
  Logger& log_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Counter* rejected_connections_;
  prometheus::Family<prometheus::Histogram>* collector_duration_;
  prometheus::Family<prometheus::Counter>* collector_failures_;
  prometheus::Family<prometheus::Counter>* collector_timeouts_;
  prometheus::Family<prometheus::Counter>* collector_errors_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<CollectorErrors>, std::less<>> errors_;
  std::shared_ptr<prometheus::Collectable> process_;
};

}  // namespace swarmscope
