#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/exporter.h"
#include "exporters/docker/docker_parsers.h"

namespace swarmscope::docker {

/// What the exporter knows of one container, kept fresh by the event stream.
struct ContainerRecord {
  ContainerDetails details;
  uint64_t oom_events = 0;  ///< `oom` events seen (at least 1 if Docker says OOMKilled)
};

/// The swarm as a manager sees it; rendered by the one node that emits cluster series.
struct SwarmState {
  std::vector<SwarmNode> nodes;
  std::vector<SwarmService> services;
  std::vector<SwarmTask> tasks;
};

/// Everything a scrape renders: built by the background sync, read under a lock.
struct EngineState {
  bool connected = false;
  std::optional<EngineInfo> engine;
  std::string swarm_cluster_id;
  std::map<std::string, ContainerRecord> containers;  ///< by id
  std::optional<SwarmState> swarm;  ///< set only on the node that emits cluster series
  uint64_t health_checks = 0;         ///< health check runs seen (exec_die of a checked container)
  uint64_t health_checks_failed = 0;  ///< of which exited non-zero
};

/// Whether this node emits the swarm's cluster series: `mode` is leader (the leader only),
/// always (every manager) or never.
bool EmitsClusterMetrics(std::string_view mode, const std::vector<SwarmNode>& nodes,
                         const std::string& own_node_id);

/// Applies one event to the state. Returns the container id that needs a fresh inspect
/// ("" if none), so that only changed containers cost an API call.
std::string ApplyEvent(const Event& event, EngineState& state);

/// This node's swarm identity as the flags give it (--node.id, --node.name; the stack sets
/// them from {{.Node.ID}} and {{.Node.Hostname}}); empty = ask the engine's /info.
struct NodeIdentity {
  std::string id;
  std::string name;
};

/// Renders the per-node metrics of `state`. `label_keys` are the Docker labels exported as
/// container_label_<key>.
void WriteMetrics(const EngineState& state, const std::vector<std::string>& label_keys, const NodeIdentity& node,
                  MetricWriter& out);

/// swarm_node_info and node_meta for this node: the flags' identity wins over /info's
/// (`engine`); without an engine (unreachable) only a flag-given identity is written.
/// Nothing outside a swarm.
void WriteNodeIdentity(const std::optional<EngineInfo>& engine, const NodeIdentity& configured, MetricWriter& out);

/// The docker exporter's families, in the order they are written.
std::vector<MetricSpec> DockerMetricSpecs();

/// The exporter table row for the docker exporter.
ExporterSpec DockerExporterSpec();

}  // namespace swarmscope::docker
