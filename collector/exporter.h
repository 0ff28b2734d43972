#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/config.h"
#include "collector/container_inventory.h"
#include "collector/log.h"
#include "collector/metric_writer.h"
#include "collector/options.h"

namespace prometheus {
class Registry;
}

namespace swarmscope {

class HttpRoutes;
class NodeRole;
class Tasks;

using Clock = std::chrono::steady_clock;

/// Where an exporter reports malformed input and failed reads: logged once per cause
/// (then rate-limited) with the collector's name, and counted in
/// `swarmscope_collector_errors_total{collector,cause}`.
class ErrorReporter {
 public:
  virtual ~ErrorReporter() = default;
  virtual void Report(std::string_view cause, std::string_view message, LogFields context) = 0;
  void Report(std::string_view cause, std::string_view message) { Report(cause, message, {}); }
};

/// What one collection of one exporter may look at: its deadline, whether the daemon is
/// shutting down, and where errors go; and what the exporter says of its result besides the
/// samples it writes.
class ScrapeContext {
 public:
  ScrapeContext(Clock::time_point deadline, const std::atomic<bool>& cancelled,
                ErrorReporter& errors)
      : deadline_(deadline), cancelled_(cancelled), errors_(errors) {}

  Clock::time_point deadline() const { return deadline_; }
  /// True once the deadline has passed or the daemon is stopping: stop early, the engine
  /// will not wait for this result.
  bool Expired() const {
    return cancelled_.load(std::memory_order_relaxed) || Clock::now() >= deadline_;
  }
  /// Logs (rate-limited per cause) and counts one problem.
  void Error(std::string_view cause, std::string_view message, LogFields context = {}) {
    errors_.Report(cause, message, context);
  }

  /// Serves `text`, an exposition rendered beforehand (e.g. by a background refresh), ahead
  /// of whatever is written to the MetricWriter. It is borrowed, not copied: keep it
  /// immutable once handed out.
  void Serve(std::shared_ptr<const std::string> text) { served_ = std::move(text); }
  /// When the data served was last known to be current (unix time). Without it, a
  /// successful collection counts as current at the time it finished.
  void SetDataTime(std::chrono::system_clock::time_point t) { data_time_ = t; }

  const std::shared_ptr<const std::string>& served() const { return served_; }
  std::optional<std::chrono::system_clock::time_point> data_time() const { return data_time_; }

 private:
  Clock::time_point deadline_;
  const std::atomic<bool>& cancelled_;
  ErrorReporter& errors_;
  std::shared_ptr<const std::string> served_;
  std::optional<std::chrono::system_clock::time_point> data_time_;
};

/// A data source. A scrape calls Collect(); an exporter that keeps a long-lived connection
/// or listens for events does that work in background tasks (ExporterDeps::tasks), which
/// the core runs, restarts after an exception and stops at shutdown.
class Exporter {
 public:
  virtual ~Exporter() = default;
  /// Writes this exporter's samples into `out`. Returns false when the source could not
  /// be read (the scrape reports `swarmscope_scrape_collector_success 0`); samples already
  /// written are still served. Must not throw: the engine has a backstop, but a throw is a bug.
  virtual bool Collect(ScrapeContext& ctx, MetricWriter& out) = 0;
  /// True for an exporter whose Collect() only reads what its background tasks prepared in
  /// memory (a lock held for microseconds, never I/O): the scrape then runs it on its own
  /// thread rather than handing it to the pool, and a scrape of only such exporters is
  /// answered on the server's I/O thread. Thread hand-offs are most of the cost of serving
  /// a pre-rendered exposition.
  virtual bool NeverBlocks() const { return false; }
};

/// What an exporter's factory gets from the daemon. Factories run after the HTTP server
/// listens, each on a task of its own: a slow one never holds up start-up or /healthz, and
/// one that throws (missing configuration, library or permission) leaves its collector
/// reporting success 0 and the reason, and is tried again with backoff.
struct ExporterDeps {
  const Config& config;
  const void* options;  ///< the exporter's options struct (see DefineExporter)
  Logger& log;
  ContainerInventory& inventory;
  prometheus::Registry& registry;
  NodeRole& node;
  ErrorReporter& errors;  ///< this collector's, for background work too
  Tasks& tasks;           ///< this collector's background tasks
  HttpRoutes& routes;     ///< paths it may serve besides the telemetry path

  template <typename Options>
  const Options& OptionsAs() const {
    return *static_cast<const Options*>(options);
  }
};

/// One row of the exporter table.
struct ExporterSpec {
  CollectorFlags flags;  ///< name, help, default and the exporter's own flags
  std::function<std::unique_ptr<Exporter>(ExporterDeps&)> create;
  /// The exporter's metric table, for the docs and the naming-rule tests.
  std::function<std::vector<MetricSpec>()> metrics = {};
};

/// An exporter table row with typed options: `options` binds the flags `--<name>.<option>`
/// to the members of `Options`; `create(deps, options)` makes the exporter.
template <typename Options, typename Create>
ExporterSpec DefineExporter(std::string name, std::string help, bool enabled_by_default,
                            const OptionTable<Options>& options, Create create,
                            std::function<std::vector<MetricSpec>()> metrics = {}) {
  ExporterSpec spec;
  spec.flags.flags = options.Flags(name + ".");
  spec.flags.name = std::move(name);
  spec.flags.help = std::move(help);
  spec.flags.enabled_by_default = enabled_by_default;
  spec.flags.new_options = [] {
    return std::static_pointer_cast<void>(std::make_shared<Options>());
  };
  spec.create = [create](ExporterDeps& deps) -> std::unique_ptr<Exporter> {
    return create(deps, deps.template OptionsAs<Options>());
  };
  spec.metrics = std::move(metrics);
  return spec;
}

/// An exporter instance with its name, as the scrape engine runs it.
struct NamedExporter {
  std::string name;
  std::unique_ptr<Exporter> exporter;
};

/// The names, help and flags of every exporter in `specs`, for the configuration.
std::vector<CollectorFlags> FlagsOf(const std::vector<ExporterSpec>& specs);

}  // namespace swarmscope
