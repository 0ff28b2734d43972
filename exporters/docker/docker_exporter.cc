#include "exporters/docker/docker_exporter.h"

#include <chrono>
#include <tuple>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "exporters/docker/docker_client.h"

namespace swarmscope::docker {
namespace {

constexpr const char* kStates[] = {"created", "running", "paused", "restarting", "removing", "exited", "dead"};
constexpr const char* kHealth[] = {"starting", "healthy", "unhealthy"};

constexpr MetricSpec kContainerInfo{"docker_container_info", MetricType::kGauge,
                                    "Always 1, labelled with the container's name, image and swarm labels "
                                    "(/containers/{id}/json Name, Config.Image, Config.Labels)."};
constexpr MetricSpec kContainerState{"docker_container_state", MetricType::kGauge,
                                     "1 for the container's current state, 0 for the others (State.Status)."};
constexpr MetricSpec kContainerHealth{"docker_container_health_status", MetricType::kGauge,
                                      "1 for the container's current health, 0 for the others; only "
                                      "containers with a healthcheck (State.Health.Status)."};
constexpr MetricSpec kHealthStreak{"docker_container_health_failing_streak", MetricType::kGauge,
                                   "Consecutive failed health checks (State.Health.FailingStreak)."};
constexpr MetricSpec kRestarts{"docker_container_restarts_total", MetricType::kCounter,
                               "Times Docker restarted the container (RestartCount)."};
constexpr MetricSpec kOomKills{"docker_container_oom_kills_total", MetricType::kCounter,
                               "OOM kills of the container seen since swarmscope started (oom events, "
                               "State.OOMKilled)."};
constexpr MetricSpec kExitCode{"docker_container_last_exit_code", MetricType::kGauge,
                               "Exit code of the container's last run (State.ExitCode)."};
constexpr MetricSpec kStartTime{"docker_container_start_time_seconds", MetricType::kGauge,
                                "When the container last started, unix seconds (State.StartedAt)."};
constexpr MetricSpec kEngineInfo{"docker_engine_info", MetricType::kGauge,
                                 "Always 1, labelled with the engine's version, API version, OS, kernel, "
                                 "storage and cgroup drivers (/info, /version)."};
constexpr MetricSpec kEngineContainers{"docker_engine_containers", MetricType::kGauge,
                                       "Containers on this engine by state (/containers/json, events)."};
constexpr MetricSpec kEngineImages{"docker_engine_images", MetricType::kGauge,
                                   "Images on this engine (/info Images)."};
constexpr MetricSpec kCompatEngineInfo{"engine_daemon_engine_info", MetricType::kGauge,
                                       "Always 1; dockerd's own metric name, for existing dashboards (/info)."};
constexpr MetricSpec kHealthChecks{"engine_daemon_health_checks_total", MetricType::kCounter,
                                   "Health checks run, as dockerd counts them, since swarmscope started "
                                   "(exec_die events of containers with a healthcheck)."};
constexpr MetricSpec kHealthChecksFailed{"engine_daemon_health_checks_failed_total", MetricType::kCounter,
                                         "Health checks that failed, since swarmscope started (exec_die "
                                         "events with a non-zero exitCode)."};
constexpr MetricSpec kCompatSwarmNode{"swarm_node_info", MetricType::kGauge,
                                      "Always 1; dockerd's own metric name, for existing dashboards (/info Swarm)."};
constexpr MetricSpec kNodeMeta{"node_meta", MetricType::kGauge,
                               "Always 1; joins node-exporter series to swarm nodes as swarmprom's "
                               "node_meta did (/info Name, Swarm.NodeID)."};

constexpr MetricSpec kNodeInfo{"docker_swarm_node_info", MetricType::kGauge,
                               "Always 1, one series per swarm node with its hostname, role, availability, "
                               "state, leadership and manager reachability (/nodes)."};
constexpr MetricSpec kNodes{"docker_swarm_nodes", MetricType::kGauge,
                            "Swarm nodes by role, availability and state (/nodes)."};
constexpr MetricSpec kServiceInfo{"docker_swarm_service_info", MetricType::kGauge,
                                  "Always 1, one series per swarm service with its stack, mode and image "
                                  "(/services Spec)."};
constexpr MetricSpec kServiceDesired{"docker_swarm_service_desired_tasks", MetricType::kGauge,
                                     "Tasks the service should run; for global services, one per eligible "
                                     "node (/services?status=true ServiceStatus.DesiredTasks)."};
constexpr MetricSpec kServiceRunning{"docker_swarm_service_running_tasks", MetricType::kGauge,
                                     "Tasks of the service running now (/services?status=true "
                                     "ServiceStatus.RunningTasks)."};
constexpr MetricSpec kServiceUpdate{"docker_swarm_service_update_state", MetricType::kGauge,
                                    "1 for the state of the service's last update or rollback, 0 for the "
                                    "others; services never updated have none (/services UpdateStatus.State)."};
constexpr MetricSpec kServiceTasks{"docker_swarm_service_tasks", MetricType::kGauge,
                                   "Tasks of the service by state, including the task history the swarm keeps "
                                   "(/tasks Status.State)."};
constexpr const char* kUpdateStates[] = {"updating", "paused", "completed", "rollback_started",
                                         "rollback_paused", "rollback_completed"};
constexpr const char* kTaskStates[] = {"new", "allocated", "pending", "assigned", "accepted",
                                       "preparing", "ready", "starting", "running", "complete",
                                       "shutdown", "failed", "rejected", "remove", "orphaned"};

LabelSet ContainerLabels(const std::string& id, const ContainerDetails& d) {
  LabelSet l;
  l.Add("id", id);
  l.Add("name", d.name);
  return l;
}

}  // namespace

std::vector<MetricSpec> DockerMetricSpecs() {
  return {kContainerInfo, kContainerState, kContainerHealth, kHealthStreak, kRestarts, kOomKills,
          kExitCode, kStartTime, kEngineInfo, kEngineContainers, kEngineImages, kCompatEngineInfo,
          kHealthChecks, kHealthChecksFailed, kCompatSwarmNode, kNodeMeta, kNodeInfo, kNodes, kServiceInfo, kServiceDesired,
          kServiceRunning, kServiceUpdate, kServiceTasks};
}

bool EmitsClusterMetrics(std::string_view mode, const std::vector<SwarmNode>& nodes,
                         const std::string& own_node_id) {
  if (mode == "never") return false;
  if (mode == "always") return true;
  for (const auto& n : nodes) {
    if (n.leader) return n.id == own_node_id;
  }
  return false;
}

std::string ApplyEvent(const Event& e, EngineState& state) {
  if (e.type != "container" || e.id.empty()) return "";
  if (e.action == "destroy") {
    state.containers.erase(e.id);
    return "";
  }
  if (e.action == "oom") {
    state.containers[e.id].oom_events++;
    state.containers[e.id].details.id = e.id;
    return e.id;
  }
  // State and health changes: create, start, die, kill, stop, pause, unpause, restart,
  // rename, update, "health_status: healthy", ... exec_* and attach/resize do not change
  // anything we report.
  // A health check run ends with exec_die on a container that has a healthcheck: count it
  // and follow the failing streak as Docker does, without an API call per check.
  if (e.action == "exec_die") {
    auto it = state.containers.find(e.id);
    if (it != state.containers.end() && !it->second.details.health.empty()) {
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
    return "";
  }
  if (e.action.rfind("exec_", 0) == 0 || e.action == "attach" || e.action == "resize" ||
      e.action == "top" || e.action == "export" || e.action == "copy" || e.action == "archive-path") {
    return "";
  }
  state.containers[e.id].details.id = e.id;
  return e.id;
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
    l.Add("role", std::get<0>(key)).Add("availability", std::get<1>(key)).Add("state", std::get<2>(key));
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
    if (swarm.services[i].desired_tasks) desired.Add(labels[i], *swarm.services[i].desired_tasks);
  }
  auto& running = out.Family(kServiceRunning);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    if (swarm.services[i].running_tasks) running.Add(labels[i], *swarm.services[i].running_tasks);
  }
  auto& update = out.Family(kServiceUpdate);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    const std::string& st = swarm.services[i].update_state;
    if (st.empty()) continue;
    for (const char* u : kUpdateStates) update.Add(labels[i], "state", u, st == u ? 1 : 0);
  }
  std::map<std::pair<std::string, std::string>, int64_t> by_state;  // (service id, state)
  for (const auto& t : swarm.tasks) by_state[{t.service_id, t.state}]++;
  auto& tasks = out.Family(kServiceTasks);
  for (size_t i = 0; i < swarm.services.size(); ++i) {
    for (const char* st : kTaskStates) {
      auto it = by_state.find({swarm.services[i].id, st});
      tasks.Add(labels[i], "state", st, it == by_state.end() ? 0 : it->second);
    }
  }
}

}  // namespace

void WriteMetrics(const EngineState& state, const std::vector<std::string>& label_keys, const NodeIdentity& node,
                  MetricWriter& out) {
  std::vector<LabelSet> labels;
  labels.reserve(state.containers.size());
  for (const auto& [id, c] : state.containers) labels.push_back(ContainerLabels(id, c.details));

  // One family at a time (the writer is family-major), containers in the same order.
  auto each_container = [&](const MetricSpec& spec, auto&& add) {
    auto& family = out.Family(spec);
    size_t n = 0;
    for (const auto& [id, c] : state.containers) add(family, labels[n++], c);
  };
  each_container(kContainerInfo, [&](auto& f, const LabelSet& base, const ContainerRecord& c) {
    LabelSet l = base;
    l.Add("image", c.details.image);
    for (const auto& key : label_keys) {
      auto it = c.details.labels.find(key);
      if (it != c.details.labels.end()) l.Add("container_label_" + SanitizeLabelName(key), it->second);
    }
    f.Add(l, 1);
  });
  each_container(kContainerState, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    for (const char* s : kStates) f.Add(l, "state", s, c.details.state == s ? 1 : 0);
  });
  each_container(kContainerHealth, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    if (c.details.health.empty()) return;
    for (const char* h : kHealth) f.Add(l, "status", h, c.details.health == h ? 1 : 0);
  });
  each_container(kHealthStreak, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    if (!c.details.health.empty()) f.Add(l, c.details.health_failing_streak);
  });
  each_container(kRestarts, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    f.Add(l, c.details.restart_count);
  });
  each_container(kOomKills, [](auto& f, const LabelSet& l, const ContainerRecord& c) { f.Add(l, c.oom_events); });
  each_container(kExitCode, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    f.Add(l, c.details.exit_code);
  });
  each_container(kStartTime, [](auto& f, const LabelSet& l, const ContainerRecord& c) {
    if (c.details.started_at > 0) f.Add(l, c.details.started_at);
  });
  if (!state.engine) return;
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
    by_state[s == "running" || s == "restarting" ? "running" : s == "paused" ? "paused" : "stopped"]++;
  }
  auto& containers = out.Family(kEngineContainers);
  for (const auto& [s, n] : by_state) containers.Add(LabelSet(), "state", s, n);
  out.Family(kEngineImages).Add(e.images);
  LabelSet compat;
  compat.Add("version", e.version).Add("kernel", e.kernel).Add("os", e.os).Add("graphdriver", e.storage_driver);
  out.Family(kCompatEngineInfo).Add(compat, 1);
  out.Family(kHealthChecks).Add(state.health_checks);
  out.Family(kHealthChecksFailed).Add(state.health_checks_failed);
  if (state.swarm) WriteSwarm(*state.swarm, out);
  WriteNodeIdentity(state.engine, node, out);
}

void WriteNodeIdentity(const std::optional<EngineInfo>& engine, const NodeIdentity& configured,
                       MetricWriter& out) {
  if (engine && (engine->swarm_node_id.empty() || engine->swarm_state != "active")) return;  // not in a swarm
  const std::string& id = configured.id.empty() && engine ? engine->swarm_node_id : configured.id;
  const std::string& name = configured.name.empty() && engine ? engine->name : configured.name;
  if (id.empty()) return;
  LabelSet node;
  node.Add("node_id", id);
  out.Family(kCompatSwarmNode).Add(node, 1);
  LabelSet meta;
  meta.Add("node_id", id).Add("node_name", name).Add("container_label_com_docker_swarm_node_id", id);
  out.Family(kNodeMeta).Add(meta, 1);
}

namespace {


// Keeps a picture of the engine up to date from a background thread: a full sync at start
// and after every reconnect or resync interval, and the event stream in between. A scrape
// only renders that picture: no Docker API call on the scrape path.
class DockerExporter : public Exporter {
 public:
  explicit DockerExporter(ExporterDeps& deps)
      : log_(deps.log),
        inventory_(deps.inventory),
        host_(deps.config.Get("docker.host")),
        timeout_(deps.config.GetDuration("docker.timeout")),
        resync_(deps.config.GetDuration("docker.resync-interval")),
        label_keys_(deps.config.GetList("collector.docker.labels")),
        cluster_mode_(deps.config.Get("docker.cluster-metrics")),
        swarm_poll_(deps.config.GetDuration("docker.swarm-poll-interval")),
        node_{deps.config.Get("node.id"), deps.config.Get("node.name")},
        thread_([this] { Run(); }),
        swarm_thread_([this] { RunSwarm(); }) {}

  ~DockerExporter() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    swarm_thread_.join();
  }

  bool Collect(ScrapeContext& ctx, MetricWriter& out) override {
    std::lock_guard lock(mu_);
    if (!state_.connected) {
      ctx.Error("docker_unreachable", "the Docker engine does not answer", {{"host", host_}, {"error", last_error_}});
      // Joins with node-exporter (node_meta) survive a dockerd restart when the identity
      // comes from the flags.
      WriteNodeIdentity(std::nullopt, node_, out);
      return false;
    }
    WriteMetrics(state_, label_keys_, node_, out);
    return true;
  }

 private:
  bool Stopping() {
    std::lock_guard lock(mu_);
    return stop_;
  }

  void SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, d, [&] { return stop_; });
  }

  void Disconnected(const std::string& error) {
    std::lock_guard lock(mu_);
    if (state_.connected || last_error_ != error) {
      log_.Warn("lost the Docker engine; retrying with backoff", {{"host", host_}, {"error", error}});
    }
    state_.connected = false;
    last_error_ = error;
  }

  void Run() {
    Client api(host_, timeout_, timeout_);
    Client events(host_, timeout_, timeout_);
    api.SetCancel([this] { return Stopping(); });
    events.SetCancel([this] { return Stopping(); });
    std::chrono::milliseconds backoff(500);
    while (!Stopping()) {
      std::string error;
      const auto sync_start = std::chrono::system_clock::now();
      if (!api.Negotiate(&error) || !FullSync(api, &error)) {
        Disconnected(error);
        SleepFor(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
        continue;
      }
      backoff = std::chrono::milliseconds(500);
      events.Negotiate(&error);
      // Events since the sync began, so that nothing between the two is lost.
      const auto since = std::chrono::duration_cast<std::chrono::seconds>(sync_start.time_since_epoch()).count();
      const auto resync_at = std::chrono::steady_clock::now() + resync_;
      EventSplitter splitter;
      const Response r = events.Stream(
          "/events?since=" + std::to_string(since),
          [&](std::string_view chunk) {
            if (!splitter.Feed(chunk, [&](std::string_view line) { OnEvent(api, line); })) {
              log_.Warn("dropped an over-long Docker event");
            }
            return true;
          },
          [&] { return Stopping() || std::chrono::steady_clock::now() >= resync_at; });
      if (Stopping()) break;
      if (!r.ok || std::chrono::steady_clock::now() < resync_at) {
        // The stream broke (dockerd restarting?): resync, which also reconnects.
        log_.Info("Docker event stream ended; resyncing", {{"error", r.ok ? "closed" : r.error}});
        if (splitter.pending() > 0) log_.Warn("Docker event stream was cut in the middle of an event");
      }
    }
  }

  // Cluster series come from the manager API, polled here (tasks have no events) and on
  // service and node events; never on the scrape path.
  void RunSwarm() {
    Client api(host_, timeout_, timeout_);
    api.SetCancel([this] { return Stopping(); });
    bool negotiated = false;
    while (true) {
      std::string own_id;
      bool manager = false;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, swarm_poll_, [&] { return stop_ || swarm_wake_; });
        if (stop_) return;
        swarm_wake_ = false;
        if (state_.connected && state_.engine && state_.engine->swarm_state == "active") {
          own_id = state_.engine->swarm_node_id;
          manager = state_.engine->swarm_manager;
        }
        if (!manager || cluster_mode_ == "never") {
          state_.swarm.reset();
          continue;
        }
      }
      std::string error;
      if (!negotiated && !api.Negotiate(&error)) continue;
      negotiated = true;
      std::optional<SwarmState> swarm = PollSwarm(api, own_id, &error);
      if (!swarm && !error.empty()) {
        negotiated = false;
        log_.Debug("swarm poll failed", {{"error", error}});
      }
      std::lock_guard lock(mu_);
      state_.swarm = std::move(swarm);
    }
  }

  // nullopt when this node does not emit cluster series (or on error, with `error` set).
  std::optional<SwarmState> PollSwarm(Client& api, const std::string& own_id, std::string* error) {
    SwarmState swarm;
    const Response nodes = api.Get("/nodes");
    if (!nodes.ok || nodes.status != 200) {
      *error = nodes.ok ? "GET /nodes answered HTTP " + std::to_string(nodes.status) : nodes.error;
      return std::nullopt;
    }
    auto parsed_nodes = ParseNodes(nodes.body, error);
    if (!parsed_nodes) return std::nullopt;
    if (!EmitsClusterMetrics(cluster_mode_, *parsed_nodes, own_id)) return std::nullopt;
    swarm.nodes = std::move(*parsed_nodes);
    const Response services = api.Get("/services?status=true");
    const Response tasks = api.Get("/tasks");
    if (!services.ok || services.status != 200 || !tasks.ok || tasks.status != 200) {
      *error = "GET /services or /tasks failed";
      return std::nullopt;
    }
    auto parsed_services = ParseServices(services.body, error);
    auto parsed_tasks = ParseTasks(tasks.body, error);
    if (!parsed_services || !parsed_tasks) return std::nullopt;
    swarm.services = std::move(*parsed_services);
    swarm.tasks = std::move(*parsed_tasks);
    return swarm;
  }

  bool FullSync(Client& api, std::string* error) {
    const Response list = api.Get("/containers/json?all=1");
    if (!list.ok || list.status != 200) {
      *error = list.ok ? "GET /containers/json answered HTTP " + std::to_string(list.status) : list.error;
      return false;
    }
    auto summaries = ParseContainerList(list.body, error);
    if (!summaries) return false;
    EngineState next;
    for (const auto& s : *summaries) {
      ContainerRecord rec;
      if (auto d = Inspect(api, s.id)) {
        rec.details = std::move(*d);
      } else {
        // Gone between the list and the inspect, or an unreadable answer: use the summary.
        rec.details.id = s.id;
        rec.details.name = s.name;
        rec.details.image = s.image;
        rec.details.state = s.state;
        rec.details.labels = s.labels;
        rec.details.health = s.health;
      }
      rec.oom_events = rec.details.oom_killed ? 1 : 0;
      next.containers[s.id] = std::move(rec);
    }
    const Response info = api.Get("/info");
    const Response version = api.Get("/version");
    if (info.ok && info.status == 200) {
      if (auto parsed = ParseInfo(info.body, error)) {
        if (version.ok && version.status == 200) MergeVersion(version.body, *parsed, error);
        next.engine = std::move(*parsed);
      }
    }
    next.connected = true;
    {
      std::lock_guard lock(mu_);
      if (!state_.connected) {
        log_.Info("connected to the Docker engine",
                  {{"host", host_}, {"api_version", api.api_version()},
                   {"containers", std::to_string(next.containers.size())}});
      }
      // OOM kills seen by events survive a resync.
      for (auto& [id, rec] : next.containers) {
        auto old = state_.containers.find(id);
        if (old != state_.containers.end()) rec.oom_events = std::max(rec.oom_events, old->second.oom_events);
      }
      next.swarm = std::move(state_.swarm);
      next.health_checks = state_.health_checks;
      next.health_checks_failed = state_.health_checks_failed;
      state_ = std::move(next);
      last_error_.clear();
      swarm_wake_ = true;
    }
    cv_.notify_all();
    PublishInventory();
    return true;
  }

  std::optional<ContainerDetails> Inspect(Client& api, const std::string& id) {
    const Response r = api.Get("/containers/" + id + "/json");
    if (!r.ok || r.status != 200) return std::nullopt;
    std::string error;
    auto d = ParseContainerInspect(r.body, &error);
    if (!d) log_.Warn("unreadable container inspect answer", {{"id", id}, {"error", error}});
    return d;
  }

  void OnEvent(Client& api, std::string_view line) {
    std::string error;
    auto event = ParseEvent(line, &error);
    if (!event) {
      log_.Warn("unreadable Docker event", {{"error", error}});
      return;
    }
    std::string refresh;
    {
      std::lock_guard lock(mu_);
      refresh = ApplyEvent(*event, state_);
    }
    if (!refresh.empty()) {
      auto d = Inspect(api, refresh);
      std::lock_guard lock(mu_);
      auto it = state_.containers.find(refresh);
      if (d && it != state_.containers.end()) {
        if (d->oom_killed && it->second.oom_events == 0) it->second.oom_events = 1;
        it->second.details = std::move(*d);
      } else if (!d && it != state_.containers.end() && it->second.details.name.empty()) {
        state_.containers.erase(it);  // vanished before we could look
      }
    }
    if (event->type == "container") PublishInventory();
    if (event->type == "service" || event->type == "node") {
      {
        std::lock_guard lock(mu_);
        swarm_wake_ = true;
      }
      cv_.notify_all();
    }
  }

  void PublishInventory() {
    std::unordered_map<std::string, ContainerInfo> all;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, rec] : state_.containers) {
        ContainerInfo info;
        info.id = id;
        info.name = rec.details.name;
        info.image = rec.details.image;
        info.labels = rec.details.labels;
        info.main_pid = rec.details.pid;
        info.start_time_seconds = rec.details.started_at;
        info.state = rec.details.state;
        all.emplace(id, std::move(info));
      }
    }
    inventory_.Replace(std::move(all));
  }

  Logger& log_;
  ContainerInventory& inventory_;
  std::string host_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds resync_;
  std::vector<std::string> label_keys_;
  std::string cluster_mode_;
  std::chrono::milliseconds swarm_poll_;
  NodeIdentity node_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool swarm_wake_ = false;
  EngineState state_;
  std::string last_error_ = "not connected yet";
  std::thread thread_;  // last: start after every member above exists
  std::thread swarm_thread_;
};

}  // namespace

ExporterSpec DockerExporterSpec() {
  return {{"docker",
           "containers, health, restarts, OOM kills and the engine from the Docker socket (GET only)",
           true,
           {
               {"docker.host", FlagKind::kString, "unix:///var/run/docker.sock",
                "Docker Engine API endpoint: unix:///path/to/docker.sock or tcp://host:port. Only GET "
                "requests are ever sent."},
               {"docker.timeout", FlagKind::kDuration, "5s", "Connect and request timeout for the Docker API."},
               {"docker.resync-interval", FlagKind::kDuration, "5m",
                "Full resync of the container list, as a safety net behind the event stream."},
               {"docker.cluster-metrics", FlagKind::kString, "leader",
                "Which node emits the swarm's cluster series (nodes, services, tasks): leader (the "
                "swarm leader only, so they appear exactly once), always (every manager) or never.",
                {"leader", "always", "never"}},
               {"docker.swarm-poll-interval", FlagKind::kDuration, "5s",
                "How often the emitting manager reads /nodes, /services and /tasks (tasks have no "
                "events); service and node events also trigger a read."},
               {"collector.docker.labels", FlagKind::kString, kDefaultSwarmLabels,
                "Comma-separated Docker labels exported as container_label_<key> on docker_container_info."},
           }},
          [](ExporterDeps& deps) { return std::make_unique<DockerExporter>(deps); }};
}

}  // namespace swarmscope::docker
