#include "collector/daemon.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "collector/container_inventory.h"
#include "collector/http_handler.h"
#include "collector/http_server.h"
#include "collector/scraper.h"
#include "collector/self_metrics.h"
#include "collector/version.h"

namespace swarmscope {
namespace {

// Swarm sends SIGTERM and waits 10 s before SIGKILL; answer what is in flight well before.
constexpr auto kDrainTimeout = std::chrono::milliseconds(1500);

}  // namespace

int RunDaemon(const Config& config, const std::vector<ExporterSpec>& specs,
              const std::function<void(uint16_t port)>& on_ready) {
  Logger log(config.log_level, config.log_format);
  SelfMetrics self(log);
  ContainerInventory inventory;
  ExporterDeps deps{config, log, inventory, self.registry()};
  std::vector<NamedExporter> exporters;
  try {
    exporters = CreateEnabled(specs, deps);
  } catch (const std::exception& e) {
    log.Error("cannot start a collector", {{"error", e.what()}});
    return 1;
  }
  Scraper scraper(std::move(exporters), self, log);

  HandlerOptions handler_options;
  handler_options.telemetry_path = config.telemetry_path;
  handler_options.scrape_timeout = config.scrape_timeout;
  handler_options.scrape_timeout_offset = config.scrape_timeout_offset;
  handler_options.collectors = scraper.Names();
  HttpHandler handler(handler_options, [&scraper](Clock::time_point deadline, ScrapeOutput& out) {
    scraper.Scrape(deadline, out);
  });

  boost::asio::io_context ioc(1);
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

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  boost::asio::steady_timer drain_timer(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    log.Info("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    scraper.Cancel();
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
  if (!scraper.WaitIdle(std::chrono::milliseconds(300))) {
    // A collector stuck in a blocking call cannot be interrupted; do not wait for it.
    log.Warn("a collector is still running at exit; exiting without waiting for it");
    std::fflush(nullptr);
    ::_exit(0);
  }
  log.Info("stopped");
  return 0;
}

}  // namespace swarmscope
