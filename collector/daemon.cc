#include "collector/daemon.h"

#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "collector/container_inventory.h"
#include "collector/exporter_host.h"
#include "collector/http_handler.h"
#include "collector/http_routes.h"
#include "collector/http_server.h"
#include "collector/node_role.h"
#include "collector/scraper.h"
#include "collector/self_metrics.h"
#include "collector/version.h"

namespace swarmscope {
namespace {

// Swarm sends SIGTERM and waits 10 s before SIGKILL; answer what is in flight well before.
constexpr auto kDrainTimeout = std::chrono::milliseconds(1500);
// Everything (drain, background tasks) is over this long after the signal.
constexpr auto kStopBudget = std::chrono::milliseconds(1900);

}  // namespace

int RunDaemon(const Config& config, const std::vector<ExporterSpec>& specs,
              const std::function<void(uint16_t port)>& on_ready) {
  Logger log(config.log_level, config.log_format);
  SelfMetrics self(log);
  ContainerInventory inventory;
  NodeRole node(config.node_id, config.node_name, config.cluster_metrics);
  HttpRoutes routes;
  ExporterHost exporters(self, log);
  exporters.AddEnabled(specs, SharedDeps{config, log, inventory, self.registry(), node, routes});
  Scraper scraper(exporters, self, log);

  HandlerOptions handler_options;
  handler_options.telemetry_path = config.telemetry_path;
  handler_options.scrape_timeout = config.scrape_timeout;
  handler_options.scrape_timeout_offset = config.scrape_timeout_offset;
  handler_options.collectors = scraper.Names();
  handler_options.scrape_never_blocks = [&scraper] { return scraper.NeverBlocks(); };
  handler_options.routes = &routes;
  HttpHandler handler(handler_options, [&scraper](Clock::time_point deadline, ScrapeOutput& out) {
    scraper.Scrape(deadline, out);
  });

  boost::asio::io_context ioc(1);
  // The signal handler exists before anyone can learn that the daemon is ready.
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  ServerOptions server_options;
  server_options.max_connections = config.max_connections;
  server_options.read_timeout = config.read_timeout;
  server_options.idle_timeout = config.idle_timeout;
  server_options.write_timeout = config.write_timeout;
  HttpServer server(ioc, server_options, handler, self, log);
  if (std::string err = server.Listen(config.listen_address); !err.empty()) {
    log.Error("cannot start the HTTP server", {{"error", err}});
    return 1;
  }
  server.Start();
  // Exporters start once the server answers: a slow or failing one never holds up /healthz.
  exporters.Start();
  if (on_ready) {
    on_ready(server.port());
  }

  std::string collectors;
  for (const auto& name : scraper.Names()) {
    collectors += (collectors.empty() ? "" : ",") + name;
  }
  log.Info("swarmscope started", {{"version", kVersion},
                                  {"revision", kRevision},
                                  {"address", config.listen_address},
                                  {"port", std::to_string(server.port())},
                                  {"telemetry_path", config.telemetry_path},
                                  {"collectors", collectors}});

  Clock::time_point exit_by = Clock::time_point::max();
  boost::asio::steady_timer drain_timer(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    exit_by = Clock::now() + kStopBudget;
    log.Info("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    scraper.Cancel();
    exporters.RequestStop();
    server.Shutdown([&] { drain_timer.cancel(); });
    drain_timer.expires_after(kDrainTimeout);
    drain_timer.async_wait([&](const boost::system::error_code& timer_ec) {
      if (!timer_ec) {
        log.Warn("connections still open after the drain timeout; closing them");
        ioc.stop();
      }
    });
  });
  ioc.run();
  const Clock::time_point deadline = std::min(exit_by, Clock::now() + kStopBudget);
  if (!scraper.WaitIdle(std::chrono::milliseconds(300)) || !exporters.WaitStopped(deadline)) {
    // A collector stuck in a blocking call (a hung peer) cannot be interrupted; do not wait
    // for it past the budget.
    log.Warn("a collector is still running at exit; exiting without waiting for it");
    std::fflush(nullptr);
    ::_exit(0);
  }
  log.Info("stopped");
  return 0;
}

}  // namespace swarmscope
