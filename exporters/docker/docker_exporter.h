#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "collector/container_inventory.h"
#include "collector/exporter.h"
#include "exporters/docker/sync.h"

namespace swarmscope::docker {

/// The docker exporter's options (`--docker.<option>`).
struct DockerOptions {
  std::string host = "unix:///var/run/docker.sock";
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds resync_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds swarm_poll_interval{std::chrono::seconds(5)};
  std::vector<std::string> labels = ParseList(kDefaultSwarmLabels);
  /// dockerd's own metrics endpoint, relayed on /engine/metrics; empty: no relay.
  HttpUrl engine_metrics_url;
};

/// The exporter table row for the docker exporter. `api`, for tests, replaces the real
/// client (see Sync); empty: libcurl on --docker.host.
ExporterSpec DockerExporterSpec(ApiFactory api = {});

}  // namespace swarmscope::docker
