#include "collector/node_role.h"

namespace swarmscope {

NodeRole::NodeRole(std::string configured_id, std::string configured_name, ClusterMetrics mode)
    : configured_id_(std::move(configured_id)),
      configured_name_(std::move(configured_name)),
      mode_(mode) {
  facts_.id = configured_id_;
  facts_.name = configured_name_;
}

NodeFacts NodeRole::Facts() const {
  std::lock_guard lock(mu_);
  return facts_;
}

bool NodeRole::EmitsClusterSeries() const {
  switch (mode_) {
    case ClusterMetrics::kNever:
      return false;
    case ClusterMetrics::kAlways:
      return true;
    case ClusterMetrics::kLeader:
      break;
  }
  std::lock_guard lock(mu_);
  return facts_.engine_known && (!facts_.in_swarm || facts_.leader);
}

void NodeRole::SetEngine(const std::string& id, const std::string& name, bool in_swarm,
                         bool manager) {
  std::lock_guard lock(mu_);
  facts_.id = configured_id_.empty() ? id : configured_id_;
  facts_.name = configured_name_.empty() ? name : configured_name_;
  facts_.engine_known = true;
  facts_.in_swarm = in_swarm;
  facts_.manager = in_swarm && manager;
  if (!facts_.manager) {
    facts_.leader = false;
  }
}

void NodeRole::SetLeader(bool leader) {
  std::lock_guard lock(mu_);
  facts_.leader = facts_.manager && leader;
}

void NodeRole::SetEngineLost() {
  std::lock_guard lock(mu_);
  facts_ = NodeFacts{};
  facts_.id = configured_id_;
  facts_.name = configured_name_;
}

}  // namespace swarmscope
