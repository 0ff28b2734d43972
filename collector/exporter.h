#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector/config.h"
#include "collector/container_inventory.h"
#include "collector/log.h"
#include "collector/metric_writer.h"

namespace prometheus {
class Registry;
}

namespace swarmscope {

using Clock = std::chrono::steady_clock;

/// Where an exporter reports malformed input and failed reads: logged once per cause
/// (then rate-limited) with the collector's name, and counted in
/// `swarmscope_collector_errors_total{collector,cause}`.
class ErrorReporter {
 public:
  virtual ~ErrorReporter() = default;
  virtual void Report(std::string_view cause, std::string_view message, LogFields context) = 0;
};

/// What one collection of one exporter may look at: its deadline, whether the daemon is
/// shutting down, and where errors go.
class ScrapeContext {
 public:
  ScrapeContext(Clock::time_point deadline, const std::atomic<bool>& cancelled,
                ErrorReporter& errors)
      : deadline_(deadline), cancelled_(cancelled), errors_(errors) {}

  Clock::time_point deadline() const { return deadline_; }
  /// True once the deadline has passed or the daemon is stopping: stop early, the engine
  /// will not wait for this result.
  bool Expired() const { return cancelled_.load(std::memory_order_relaxed) || Clock::now() >= deadline_; }
  /// Logs (rate-limited per cause) and counts one problem.
  void Error(std::string_view cause, std::string_view message, LogFields context = {}) {
    errors_.Report(cause, message, context);
  }

 private:
  Clock::time_point deadline_;
  const std::atomic<bool>& cancelled_;
  ErrorReporter& errors_;
};

/// A data source. Implementations keep long-lived handles (sockets, librados) themselves
/// and reconnect on their own.
class Exporter {
 public:
  virtual ~Exporter() = default;
  /// Writes this exporter's samples into `out`. Returns false when the source could not
  /// be read (the scrape reports `swarmscope_scrape_collector_success 0`); samples already
  /// written are still served. Must not throw: the engine has a backstop, but a throw is a bug.
  virtual bool Collect(ScrapeContext& ctx, MetricWriter& out) = 0;
};

/// What an exporter's factory gets from the daemon.
struct ExporterDeps {
  const Config& config;
  Logger& log;
  ContainerInventory& inventory;
  prometheus::Registry& registry;
};

/// One row of the exporter table: a newcomer adds a data source by adding a folder under
/// exporters/ and one of these.
struct ExporterSpec {
  CollectorFlags flags;  ///< name, help, default and the exporter's own flags
  std::function<std::unique_ptr<Exporter>(ExporterDeps&)> create;
};

/// An exporter instance with its name, as the scrape engine runs it.
struct NamedExporter {
  std::string name;
  std::unique_ptr<Exporter> exporter;
};

/// The names, help and flags of every exporter in `specs`, for the configuration.
std::vector<CollectorFlags> FlagsOf(const std::vector<ExporterSpec>& specs);

/// Creates every exporter that `deps.config` enables, in table order.
std::vector<NamedExporter> CreateEnabled(const std::vector<ExporterSpec>& specs,
                                         ExporterDeps& deps);

}  // namespace swarmscope
