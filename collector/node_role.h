#pragma once

#include <mutex>
#include <string>

#include "collector/config.h"

namespace swarmscope {

/// What this node is in its swarm, known once for every exporter.
struct NodeFacts {
  std::string id;             ///< swarm node ID: --node.id, else the engine's
  std::string name;           ///< node name: --node.name, else the engine's host name
  bool engine_known = false;  ///< the engine answered (/info) since it was last lost
  bool in_swarm = false;      ///< the engine is an active swarm member
  bool manager = false;       ///< a swarm manager
  bool leader = false;        ///< the swarm's leader (known on managers only)
};

/// This node's swarm role, a fact shared by every exporter. The docker exporter is the one
/// that learns it (from /info, and /nodes on managers) and writes it here; any exporter that
/// emits cluster-wide series asks EmitsClusterSeries().
///
/// The rule for cluster-wide series, so that they appear exactly once across the swarm
/// however many nodes run the collector (--cluster.metrics):
///   leader  the swarm leader writes them; a node outside a swarm is alone and writes them;
///           while the role is unknown (engine unreachable, election) nobody does rather
///           than two nodes.
///   always  every node writes what it can read (docker's need a manager).
///   never   no node does.
class NodeRole {
 public:
  NodeRole(std::string configured_id, std::string configured_name, ClusterMetrics mode);

  NodeFacts Facts() const;
  ClusterMetrics mode() const { return mode_; }
  bool EmitsClusterSeries() const;

  /// From the engine's /info: its node ID and host name (the flags win), swarm membership.
  void SetEngine(const std::string& id, const std::string& name, bool in_swarm, bool manager);
  /// From /nodes on a manager (false on workers and when /nodes could not be read).
  void SetLeader(bool leader);
  /// The engine does not answer: the role is unknown (the configured identity stays).
  void SetEngineLost();

 private:
  const std::string configured_id_;
  const std::string configured_name_;
  const ClusterMetrics mode_;
  mutable std::mutex mu_;
  NodeFacts facts_;
};

}  // namespace swarmscope
