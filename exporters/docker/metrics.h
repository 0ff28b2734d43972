#pragma once

// The docker exporter's metric table, and the rendering of its state into samples.

#include <string>
#include <vector>

#include "collector/metric_writer.h"
#include "collector/node_role.h"
#include "exporters/docker/state.h"

namespace swarmscope::docker {

/// Renders the per-node metrics of `state` (and the cluster series, when `state.swarm` is
/// set). `label_keys` are the Docker labels exported as container_label_<key>.
void WriteMetrics(const EngineState& state, const std::vector<std::string>& label_keys,
                  const NodeFacts& node, MetricWriter& out);

/// swarm_node_info and node_meta for this node: from NodeRole's facts (the flags' identity
/// wins over /info's; while the engine is unreachable only a flag-given identity is left).
/// Nothing outside a swarm.
void WriteNodeIdentity(const NodeFacts& node, MetricWriter& out);

/// The docker exporter's families, in the order they are written.
std::vector<MetricSpec> DockerMetricSpecs();

}  // namespace swarmscope::docker
