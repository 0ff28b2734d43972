#include "exporters/docker/docker_exporter.h"

#include <memory>

#include "collector/http_routes.h"
#include "exporters/docker/engine_relay.h"
#include "exporters/docker/metrics.h"
#include "exporters/docker/sync.h"

namespace swarmscope::docker {
namespace {

// The picture of the engine is kept by Sync's background tasks; a scrape only renders it.
class DockerExporter : public Exporter {
 public:
  DockerExporter(ExporterDeps& deps, const DockerOptions& o, ApiFactory api)
      : node_(deps.node),
        label_keys_(o.labels),
        sync_(std::move(api), SyncOptions{o.resync_interval, o.swarm_poll_interval, o.host},
              deps.node, deps.inventory, deps.errors, deps.log),
        relay_(std::make_shared<EngineMetricsRelay>(o.engine_metrics_url.text, o.timeout,
                                                    deps.errors)) {
    // The route shares the relay: the table may outlive this exporter.
    deps.routes.Add(std::string(kEngineMetricsPath),
                    Route{"engine", [relay = relay_](std::chrono::steady_clock::time_point d) {
                            return relay->Answer(d);
                          }});
    deps.tasks.Spawn("events", [this](std::stop_token stop) { sync_.RunEvents(stop); });
    deps.tasks.Spawn("swarm", [this](std::stop_token stop) { sync_.RunSwarm(stop); });
  }

  bool NeverBlocks() const override { return true; }

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    const NodeFacts node = node_.Facts();
    return sync_.Read(
        [&](const EngineState& state, std::chrono::system_clock::time_point data_time) {
          if (data_time.time_since_epoch().count() > 0) {
            ctx.SetDataTime(data_time);
          }
          if (!state.connected) {
            // Joins with node-exporter (node_meta) survive a dockerd restart when the identity
            // comes from the flags.
            WriteNodeIdentity(node, out);
            return false;
          }
          WriteMetrics(state, label_keys_, node, out);
          return true;
        });
  }

 private:
  NodeRole& node_;
  std::vector<std::string> label_keys_;
  Sync sync_;
  std::shared_ptr<EngineMetricsRelay> relay_;
};

}  // namespace

ExporterSpec DockerExporterSpec(ApiFactory api) {
  OptionTable<DockerOptions> options;
  options
      .Add(&DockerOptions::host, "host",
           "Docker Engine API endpoint: unix:///path/to/docker.sock or tcp://host:port. Only GET "
           "requests are ever sent.")
      .Add(&DockerOptions::timeout, "timeout", "Connect and request timeout for the Docker API.")
      .Add(&DockerOptions::resync_interval, "resync-interval",
           "Full resync of the container list, as a safety net behind the event stream.")
      .Add(&DockerOptions::swarm_poll_interval, "swarm-poll-interval",
           "How often a manager reads /nodes (and, on the node that writes cluster series, "
           "/services and /tasks: tasks have no events); service and node events also trigger a "
           "read.")
      .Add(&DockerOptions::labels, "labels",
           "Comma-separated Docker labels exported as container_label_<key> on "
           "docker_container_info.")
      .Add(&DockerOptions::engine_metrics_url, "engine-metrics-url",
           "dockerd's own metrics endpoint (its metrics-addr, e.g. "
           "http://127.0.0.1:9323/metrics), relayed on /engine/metrics as swarmprom's "
           "dockerd-exporter did: one GET per request, within --docker.timeout and 8 MiB; 503 "
           "when dockerd does not answer. Empty: no relay (/engine/metrics answers 404).");
  return DefineExporter(
      "docker",
      "containers, health, restarts, OOM kills and the engine from the Docker socket (GET only)",
      true, options,
      [api](ExporterDeps& deps, const DockerOptions& o) {
        ApiFactory factory =
            api ? api : [host = o.host, timeout = o.timeout](std::stop_token stop) {
              auto client = std::make_unique<Client>(host, timeout, timeout);
              client->SetCancel([stop] { return stop.stop_requested(); });
              return std::unique_ptr<Api>(std::move(client));
            };
        return std::make_unique<DockerExporter>(deps, o, std::move(factory));
      },
      DockerMetricSpecs);
}

}  // namespace swarmscope::docker
