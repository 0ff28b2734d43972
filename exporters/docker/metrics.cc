#include "exporters/docker/metrics.h"

#include <map>
#include <tuple>

namespace swarmscope::docker {
namespace {

constexpr const char* kStates[] = {"created",  "running", "paused", "restarting",
                                   "removing", "exited",  "dead"};
constexpr const char* kHealth[] = {"starting", "healthy", "unhealthy"};

constexpr MetricSpec kContainerInfo{
    "docker_container_info", MetricType::kGauge,
    "Always 1, labelled with the container's name, image and swarm labels "
    "(/containers/{id}/json Name, Config.Image, Config.Labels).",
    "id, name, image, container_label_<key>"};
constexpr MetricSpec kContainerState{
    "docker_container_state", MetricType::kGauge,
    "1 for the container's current state, 0 for the others (State.Status).", "id, name, state"};
constexpr MetricSpec kContainerHealth{
    "docker_container_health_status", MetricType::kGauge,
    "1 for the container's current health, 0 for the others; only "
    "containers with a healthcheck (State.Health.Status).",
    "id, name, status"};
constexpr MetricSpec kHealthStreak{"docker_container_health_failing_streak", MetricType::kGauge,
                                   "Consecutive failed health checks (State.Health.FailingStreak).",
                                   "id, name"};
constexpr MetricSpec kRestarts{"docker_container_restarts_total", MetricType::kCounter,
                               "Times Docker restarted the container (RestartCount).", "id, name"};
constexpr MetricSpec kOomKills{
    "docker_container_oom_kills_total", MetricType::kCounter,
    "OOM kills of the container seen since swarmscope started (oom events, "
    "State.OOMKilled).",
    "id, name"};
constexpr MetricSpec kExitCode{"docker_container_last_exit_code", MetricType::kGauge,
                               "Exit code of the container's last run (State.ExitCode).",
                               "id, name"};
constexpr MetricSpec kStartTime{"docker_container_start_time_seconds", MetricType::kGauge,
                                "When the container last started, unix seconds (State.StartedAt).",
                                "id, name"};
constexpr MetricSpec kEngineInfo{
    "docker_engine_info", MetricType::kGauge,
    "Always 1, labelled with the engine's version, API version, OS, kernel, "
    "storage and cgroup drivers (/info, /version).",
    "version, api_version, os, os_type, kernel, architecture, storage_driver, cgroup_driver, "
    "cgroup_version"};
constexpr MetricSpec kEngineContainers{
    "docker_engine_containers", MetricType::kGauge,
    "Containers on this engine by state (/containers/json, events).", "state"};
constexpr MetricSpec kEngineImages{"docker_engine_images", MetricType::kGauge,
                                   "Images on this engine (/info Images).", ""};
constexpr MetricSpec kCompatEngineInfo{
    "engine_daemon_engine_info", MetricType::kGauge,
    "Always 1; dockerd's own metric name, for existing dashboards (/info).",
    "version, kernel, os, graphdriver"};
constexpr MetricSpec kHealthChecks{
    "engine_daemon_health_checks_total", MetricType::kCounter,
    "Health checks run, as dockerd counts them, since swarmscope started "
    "(exec_die events of containers with a healthcheck).",
    ""};
constexpr MetricSpec kHealthChecksFailed{
    "engine_daemon_health_checks_failed_total", MetricType::kCounter,
    "Health checks that failed, since swarmscope started (exec_die "
    "events with a non-zero exitCode).",
    ""};
constexpr MetricSpec kCompatSwarmNode{
    "swarm_node_info", MetricType::kGauge,
    "Always 1; dockerd's own metric name, for existing dashboards (/info Swarm).", "node_id"};
constexpr MetricSpec kNodeMeta{"node_meta", MetricType::kGauge,
                               "Always 1; joins node-exporter series to swarm nodes as swarmprom's "
                               "node_meta did (/info Name, Swarm.NodeID).",
                               "node_id, node_name, container_label_com_docker_swarm_node_id"};

constexpr MetricSpec kNodeInfo{
    "docker_swarm_node_info", MetricType::kGauge,
    "Always 1, one series per swarm node with its hostname, role, availability, "
    "state, leadership and manager reachability (/nodes).",
    "node_id, hostname, role, availability, state, leader, manager_reachability, engine_version"};
constexpr MetricSpec kNodes{"docker_swarm_nodes", MetricType::kGauge,
                            "Swarm nodes by role, availability and state (/nodes).",
                            "role, availability, state"};
constexpr MetricSpec kServiceInfo{
    "docker_swarm_service_info", MetricType::kGauge,
    "Always 1, one series per swarm service with its stack, mode and image "
    "(/services Spec).",
    "service_id, service_name, stack, mode, image"};
constexpr MetricSpec kServiceDesired{
    "docker_swarm_service_desired_tasks", MetricType::kGauge,
    "Tasks the service should run; for global services, one per eligible "
    "node (/services?status=true ServiceStatus.DesiredTasks).",
    "service_name, stack"};
constexpr MetricSpec kServiceRunning{"docker_swarm_service_running_tasks", MetricType::kGauge,
                                     "Tasks of the service running now (/services?status=true "
                                     "ServiceStatus.RunningTasks).",
                                     "service_name, stack"};
constexpr MetricSpec kServiceUpdate{
    "docker_swarm_service_update_state", MetricType::kGauge,
    "1 for the state of the service's last update or rollback, 0 for the "
    "others; services never updated have none (/services UpdateStatus.State).",
    "service_name, stack, state"};
constexpr MetricSpec kServiceTasks{
    "docker_swarm_service_tasks", MetricType::kGauge,
    "Tasks of the service by state, including the task history the swarm keeps "
    "(/tasks Status.State).",
    "service_name, stack, state"};
constexpr const char* kUpdateStates[] = {
    "updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed"};
constexpr const char* kTaskStates[] = {
    "new",     "allocated", "pending",  "assigned", "accepted", "preparing", "ready",   "starting",
    "running", "complete",  "shutdown", "failed",   "rejected", "remove",    "orphaned"};

LabelSet ContainerLabels(const std::string& id, const ContainerDetails& d) {
  LabelSet l;
  l.Add("id", id);
  l.Add("name", d.name);
  return l;
}

}  // namespace

std::vector<MetricSpec> DockerMetricSpecs() {
  return {
      kContainerInfo,  kContainerState,   kContainerHealth, kHealthStreak,       kRestarts,
      kOomKills,       kExitCode,         kStartTime,       kEngineInfo,         kEngineContainers,
      kEngineImages,   kCompatEngineInfo, kHealthChecks,    kHealthChecksFailed, kCompatSwarmNode,
      kNodeMeta,       kNodeInfo,         kNodes,           kServiceInfo,        kServiceDesired,
      kServiceRunning, kServiceUpdate,    kServiceTasks};
}

namespace {

void WriteSwarm(const SwarmState& swarm, MetricWriter& out) {
  auto& node_info = out.Family(kNodeInfo);
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> counts;
  for (const auto& n : swarm.nodes) {
    LabelSet l;
    l.Add("node_id", n.id)
        .Add("hostname", n.hostname)
        .Add("role", n.role)
        .Add("availability", n.availability)
        .Add("state", n.state)
        .Add("leader", n.leader ? "true" : "false")
        .Add("manager_reachability", n.reachability)
        .Add("engine_version", n.engine_version);
    node_info.Add(l, 1);
    counts[{n.role, n.availability, n.state}]++;
  }
  auto& nodes = out.Family(kNodes);
  for (const auto& [key, n] : counts) {
    LabelSet l;
    l.Add("role", std::get<0>(key))
        .Add("availability", std::get<1>(key))
        .Add("state", std::get<2>(key));
    nodes.Add(l, n);
  }
  std::vector<LabelSet> labels;
  for (const auto& sv : swarm.services) {
    LabelSet l;
    l.Add("service_name", sv.name).Add("stack", sv.stack);
    labels.push_back(std::move(l));
  }
  auto& info = out.Family(kServiceInfo);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    const auto& sv = swarm.services[i];
    LabelSet l;
    l.Add("service_id", sv.id).Append(labels[i]).Add("mode", sv.mode).Add("image", sv.image);
    info.Add(l, 1);
  }
  auto& desired = out.Family(kServiceDesired);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    if (swarm.services[i].desired_tasks) {
      desired.Add(labels[i], *swarm.services[i].desired_tasks);
    }
  }
  auto& running = out.Family(kServiceRunning);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    if (swarm.services[i].running_tasks) {
      running.Add(labels[i], *swarm.services[i].running_tasks);
    }
  }
  auto& update = out.Family(kServiceUpdate);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    const std::string& st = swarm.services[i].update_state;
    if (st.empty()) {
      continue;
    }
    for (const char* u : kUpdateStates) {
      update.Add(labels[i], "state", u, st == u ? 1 : 0);
    }
  }
  std::map<std::pair<std::string, std::string>, int64_t> by_state;  // (service id, state)
  for (const auto& t : swarm.tasks) {
    by_state[{t.service_id, t.state}]++;
  }
  auto& tasks = out.Family(kServiceTasks);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    for (const char* st : kTaskStates) {
      auto it = by_state.find({swarm.services[i].id, st});
      tasks.Add(labels[i], "state", st, it == by_state.end() ? 0 : it->second);
    }
  }
}

}  // namespace

void WriteMetrics(const EngineState& state, const std::vector<std::string>& label_keys,
                  const NodeFacts& node, MetricWriter& out) {
  std::vector<LabelSet> labels;
  labels.reserve(state.containers.size());
  for (const auto& [id, c] : state.containers) {
    labels.push_back(ContainerLabels(id, c.details));
  }

  // One family at a time (the writer is family-major), containers in the same order.
  auto each_container = [&](const MetricSpec& spec, auto&& add) {
    auto& family = out.Family(spec);
    size_t n = 0;
    for (const auto& [id, c] : state.containers) {
      add(family, labels[n++], c);
    }
  };
  each_container(kContainerInfo, [&](auto& f, const LabelSet& base, const ContainerRecord& c) {
    LabelSet l = base;
    l.Add("image", c.details.image);
    for (const auto& key : label_keys) {
      auto it = c.details.labels.find(key);
      if (it != c.details.labels.end()) {
        l.Add("container_label_" + SanitizeLabelName(key), it->second);
      }
    }
    f.Add(l, 1);
  });
  each_container(kContainerState, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    for (const char* s : kStates) {
      f.Add(l, "state", s, c.details.state == s ? 1 : 0);
    }
  });
  each_container(kContainerHealth, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    if (c.details.health.empty()) {
      return;
    }
    for (const char* h : kHealth) {
      f.Add(l, "status", h, c.details.health == h ? 1 : 0);
    }
  });
  each_container(kHealthStreak, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    if (!c.details.health.empty()) {
      f.Add(l, c.details.health_failing_streak);
    }
  });
  each_container(kRestarts, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    f.Add(l, c.details.restart_count);
  });
  each_container(kOomKills, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    f.Add(l, c.oom_events);
  });
  each_container(kExitCode, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    f.Add(l, c.details.exit_code);
  });
  each_container(kStartTime, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    if (c.details.started_at > 0) {
      f.Add(l, c.details.started_at);
    }
  });
  if (!state.engine) {
    return;
  }
  const EngineInfo& e = *state.engine;
  LabelSet engine;
  engine.Add("version", e.version)
      .Add("api_version", e.api_version)
      .Add("os", e.os)
      .Add("os_type", e.os_type)
      .Add("kernel", e.kernel)
      .Add("architecture", e.architecture)
      .Add("storage_driver", e.storage_driver)
      .Add("cgroup_driver", e.cgroup_driver)
      .Add("cgroup_version", e.cgroup_version);
  out.Family(kEngineInfo).Add(engine, 1);
  std::map<std::string, int64_t> by_state = {{"running", 0}, {"paused", 0}, {"stopped", 0}};
  for (const auto& [id, c] : state.containers) {
    const std::string& s = c.details.state;
    by_state[s == "running" || s == "restarting" ? "running"
             : s == "paused"                     ? "paused"
                                                 : "stopped"]++;
  }
  auto& containers = out.Family(kEngineContainers);
  for (const auto& [s, n] : by_state) {
    containers.Add(LabelSet(), "state", s, n);
  }
  out.Family(kEngineImages).Add(e.images);
  LabelSet compat;
  compat.Add("version", e.version)
      .Add("kernel", e.kernel)
      .Add("os", e.os)
      .Add("graphdriver", e.storage_driver);
  out.Family(kCompatEngineInfo).Add(compat, 1);
  out.Family(kHealthChecks).Add(state.health_checks);
  out.Family(kHealthChecksFailed).Add(state.health_checks_failed);
  if (state.swarm) {
    WriteSwarm(*state.swarm, out);
  }
  WriteNodeIdentity(node, out);
}

void WriteNodeIdentity(const NodeFacts& node, MetricWriter& out) {
  if (node.engine_known && !node.in_swarm) {
    return;  // not (or no longer) in a swarm
  }
  if (node.id.empty()) {
    return;
  }
  LabelSet id;
  id.Add("node_id", node.id);
  out.Family(kCompatSwarmNode).Add(id, 1);
  LabelSet meta;
  meta.Add("node_id", node.id)
      .Add("node_name", node.name)
      .Add("container_label_com_docker_swarm_node_id", node.id);
  out.Family(kNodeMeta).Add(meta, 1);
}

}  // namespace swarmscope::docker
