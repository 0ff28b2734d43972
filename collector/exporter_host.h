#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collector/background.h"
#include "collector/exporter.h"
#include "collector/self_metrics.h"

namespace swarmscope {

/// What the daemon shares with every exporter it creates.
struct SharedDeps {
  const Config& config;
  Logger& log;
  ContainerInventory& inventory;
  prometheus::Registry& registry;
  NodeRole& node;
  HttpRoutes& routes;
};

/// The exporters' lifecycle: creates them after the server listens (each factory on a task
/// of its own, retried with backoff while it throws), owns their background tasks, and stops
/// them at shutdown. The scrape engine asks it for the exporter of each collector, which is
/// absent (with a reason) until it could be created.
class ExporterHost {
 public:
  ExporterHost(SelfMetrics& self, Logger& log);
  /// With exporters that exist already (tests, tools).
  ExporterHost(SelfMetrics& self, Logger& log, std::vector<NamedExporter> exporters);
  /// Stops every task, joins them, then destroys the exporters.
  ~ExporterHost();
  ExporterHost(const ExporterHost&) = delete;
  ExporterHost& operator=(const ExporterHost&) = delete;

  /// Adds an exporter that exists already (tests, tools).
  void Add(std::string name, std::unique_ptr<Exporter> exporter);
  /// Adds every exporter of `specs` that the configuration enables, in table order; they are
  /// created by Start().
  void AddEnabled(const std::vector<ExporterSpec>& specs, const SharedDeps& shared);
  /// Runs the factories, each on its own task.
  void Start();

  /// Asks every exporter's tasks to stop; does not wait.
  void RequestStop();
  /// Waits until every task has ended or `deadline`; false if some still run.
  bool WaitStopped(Clock::time_point deadline);

  size_t size() const { return slots_.size(); }
  const std::string& name(size_t i) const { return slots_[i]->name; }
  ErrorReporter& errors(size_t i) const { return slots_[i]->errors; }
  /// The exporter of collector `i`, or nullptr and why not ("starting", or the error of its
  /// last failed start).
  Exporter* Get(size_t i, std::string* reason) const;
  std::vector<std::string> Names() const;

 private:
  struct Slot {
    Slot(std::string n, ErrorReporter& e) : name(std::move(n)), errors(e), tasks(name, e) {}
    std::string name;
    ErrorReporter& errors;
    std::function<std::unique_ptr<Exporter>(ExporterDeps&)> create;
    std::unique_ptr<ExporterDeps> deps;
    // Tasks are stopped and joined before the exporter they use is destroyed.
    std::unique_ptr<Exporter> exporter;
    Tasks tasks;
    mutable std::mutex mu;
    Exporter* ready = nullptr;  // guarded by mu
    std::string reason = "starting";
  };
  void Create(Slot& slot, std::stop_token stop);

  SelfMetrics& self_;
  Logger& log_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace swarmscope
