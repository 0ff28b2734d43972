#include "exporters/docker/state.h"

#include <string_view>

namespace swarmscope::docker {
namespace {

// Actions that change nothing this exporter reports (exec_die is handled on its own).
bool IsNoOp(std::string_view action) {
  return action.rfind("exec_", 0) == 0 || action == "attach" || action == "resize" ||
         action == "top" || action == "export" || action == "copy" || action == "archive-path";
}

// A health check run ends with exec_die on a container that has a healthcheck: count it and
// follow the failing streak as Docker does.
void CountHealthCheck(const Event& e, EngineState& state) {
  auto it = state.containers.find(e.id);
  if (it == state.containers.end() || it->second.details.health.empty()) {
    return;
  }
  auto code = e.attributes.find("exitCode");
  const bool failed = code != e.attributes.end() && code->second != "0";
  state.health_checks++;
  if (failed) {
    state.health_checks_failed++;
    it->second.details.health_failing_streak++;
  } else {
    it->second.details.health_failing_streak = 0;
  }
}

}  // namespace

EventEffect ApplyEvent(const Event& e, EngineState& state) {
  EventEffect effect;
  if (e.type == "service" || e.type == "node") {
    effect.swarm = true;
    return effect;
  }
  if (e.type != "container" || e.id.empty()) {
    return effect;
  }
  if (e.action == "destroy") {
    effect.inventory = state.containers.erase(e.id) > 0;
    return effect;
  }
  if (e.action == "exec_die") {
    CountHealthCheck(e, state);
    return effect;
  }
  if (IsNoOp(e.action)) {
    return effect;
  }
  // State and health changes: create, start, die, kill, stop, pause, unpause, restart,
  // rename, update, oom, "health_status: healthy", ...
  ContainerRecord& record = state.containers[e.id];
  record.details.id = e.id;
  if (e.action == "oom") {
    record.oom_events++;
  }
  if (e.action == "update") {
    record.updates++;
  }
  effect.inspect = e.id;
  return effect;
}

bool IsLeader(const std::vector<SwarmNode>& nodes, const std::string& own_node_id) {
  for (const auto& n : nodes) {
    if (n.leader) {
      return !own_node_id.empty() && n.id == own_node_id;
    }
  }
  return false;
}

ContainerRecord RecordFrom(const ContainerSummary& s, std::optional<ContainerDetails> inspect) {
  ContainerRecord rec;
  if (inspect) {
    rec.details = std::move(*inspect);
  } else {
    rec.details.id = s.id;
    rec.details.name = s.name;
    rec.details.image = s.image;
    rec.details.state = s.state;
    rec.details.labels = s.labels;
    rec.details.health = s.health;
  }
  rec.oom_events = rec.details.oom_killed ? 1 : 0;
  return rec;
}

ContainerInfo InventoryInfo(const std::string& id, const ContainerRecord& rec) {
  ContainerInfo info;
  info.id = id;
  info.name = rec.details.name;
  info.image = rec.details.image;
  info.labels = rec.details.labels;
  info.main_pid = rec.details.pid;
  info.start_time_seconds = rec.details.started_at;
  info.state = rec.details.state;
  info.updates = rec.updates;
  return info;
}

bool SameInventoryInfo(const ContainerInfo& a, const ContainerInfo& b) {
  return a.id == b.id && a.name == b.name && a.image == b.image && a.labels == b.labels &&
         a.main_pid == b.main_pid && a.start_time_seconds == b.start_time_seconds &&
         a.state == b.state && a.updates == b.updates;
}

}  // namespace swarmscope::docker
