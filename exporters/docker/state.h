#pragma once

// The docker exporter's picture of its engine, and the pure rules that change it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/container_inventory.h"
#include "exporters/docker/docker_parsers.h"

namespace swarmscope::docker {

/// What the exporter knows of one container, kept fresh by the event stream.
struct ContainerRecord {
  ContainerDetails details;
  uint64_t oom_events = 0;  ///< `oom` events seen (at least 1 if Docker says OOMKilled)
  uint64_t updates = 0;     ///< `update` events seen (limits changed)
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
  std::map<std::string, ContainerRecord> containers;  ///< by id
  std::optional<SwarmState> swarm;    ///< set only on the node that emits cluster series
  uint64_t health_checks = 0;         ///< health check runs seen (exec_die of a checked container)
  uint64_t health_checks_failed = 0;  ///< of which exited non-zero
};

/// What one event asks of the sync engine.
struct EventEffect {
  std::string inspect;     ///< a container to inspect afresh ("" if none)
  bool inventory = false;  ///< a container went away: the inventory changes
  bool swarm = false;      ///< a service or node changed: read the swarm again
};

/// Applies one event to the state, without an API call: only changed containers cost an
/// inspect, and health-check execs (every few seconds per container) cost nothing.
EventEffect ApplyEvent(const Event& event, EngineState& state);

/// Whether `own_node_id` is the leader among `nodes` (GET /nodes).
bool IsLeader(const std::vector<SwarmNode>& nodes, const std::string& own_node_id);

/// A full sync's record of a container: its inspect, or the list entry when the inspect
/// failed (gone meanwhile, unreadable answer).
ContainerRecord RecordFrom(const ContainerSummary& summary,
                           std::optional<ContainerDetails> inspect);

/// What the inventory (the cgroup exporter's labels) learns of a container.
ContainerInfo InventoryInfo(const std::string& id, const ContainerRecord& record);
/// Whether two inventory entries differ in anything other exporters read.
bool SameInventoryInfo(const ContainerInfo& a, const ContainerInfo& b);

}  // namespace swarmscope::docker
