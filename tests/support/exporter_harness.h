#pragma once

// Runs one exporter the way the daemon does (flags parsed from argv, the deps the core
// hands out, background tasks owned by the harness), without a server.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/background.h"
#include "collector/config.h"
#include "collector/container_inventory.h"
#include "collector/exporter.h"
#include "collector/http_routes.h"
#include "collector/node_role.h"
#include "collector/self_metrics.h"

namespace swarmscope::testing {

class ExporterHarness {
 public:
  /// `args`: flags as on the command line (without the program name).
  ExporterHarness(ExporterSpec spec, std::vector<std::string> args) : spec_(std::move(spec)) {
    std::vector<std::string> argv_text = {"swarmscope"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const auto& a : argv_text) {
      argv.push_back(a.c_str());
    }
    const char* envp[] = {nullptr};
    parsed_ = ParseCommandLine(static_cast<int>(argv.size()), argv.data(), envp, FlagsOf({spec_}));
    node_ = std::make_unique<NodeRole>(parsed_.config.node_id, parsed_.config.node_name,
                                       parsed_.config.cluster_metrics);
  }
  ~ExporterHarness() {
    // Background tasks stop and are joined before the exporter they use goes.
    tasks_.reset();
    exporter_.reset();
    std::fclose(devnull_);
  }

  const ParseOutcome& parsed() const { return parsed_; }
  ContainerInventory& inventory() { return inventory_; }
  NodeRole& node() { return *node_; }
  /// The paths the exporter registered (e.g. the docker exporter's /engine/metrics).
  HttpRoutes& routes() { return routes_; }
  SelfMetrics& self() { return self_; }
  Tasks& tasks() { return *tasks_; }

  /// Creates the exporter (once); throws what its factory throws.
  Exporter& exporter() {
    if (!exporter_) {
      const std::string& name = spec_.flags.name;
      ErrorReporter& errors = self_.ErrorsFor(name);
      tasks_ = std::make_unique<Tasks>(name, errors);
      deps_ = std::make_unique<ExporterDeps>(
          ExporterDeps{parsed_.config, parsed_.config.OptionsOf(name), log_, inventory_,
                       self_.registry(), *node_, errors, *tasks_, routes_});
      exporter_ = spec_.create(*deps_);
    }
    return *exporter_;
  }

  struct Result {
    std::string text;  ///< what was served and written
    bool ok = false;
    size_t out_of_order = 0;
  };
  /// One collection, as the scrape engine runs it.
  Result Collect(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    MetricWriter writer;
    std::atomic<bool> cancelled{false};
    ScrapeContext ctx(Clock::now() + timeout, cancelled, self_.ErrorsFor(spec_.flags.name));
    Result r;
    r.ok = exporter().Collect(ctx, writer);
    if (ctx.served()) {
      r.text = *ctx.served();
    }
    r.out_of_order = writer.out_of_order();
    writer.TakeInto(r.text);
    return r;
  }

  /// The self-metrics exposition (errors counted, ...).
  std::string SelfText() {
    std::string text;
    self_.Serialize(text);
    return text;
  }

 private:
  ExporterSpec spec_;
  ParseOutcome parsed_;
  std::FILE* devnull_ = std::fopen("/dev/null", "w");
  Logger log_{LogLevel::kError, LogFormat::kLogfmt, devnull_};
  SelfMetrics self_{log_};
  ContainerInventory inventory_;
  std::unique_ptr<NodeRole> node_;
  HttpRoutes routes_;
  std::unique_ptr<Tasks> tasks_;
  std::unique_ptr<ExporterDeps> deps_;
  std::unique_ptr<Exporter> exporter_;
};

}  // namespace swarmscope::testing
