#include "exporters/docker/sync.h"

#include <algorithm>

namespace swarmscope::docker {
namespace {

std::string Failure(std::string_view what, const Response& r) {
  return r.ok ? "GET " + std::string(what) + " answered HTTP " + std::to_string(r.status) : r.error;
}

bool Answered(const Response& r) { return r.ok && r.status == 200; }

}  // namespace

Sync::Sync(ApiFactory api, SyncOptions options, NodeRole& node, ContainerInventory& inventory,
           ErrorReporter& errors, Logger& log)
    : api_(std::move(api)),
      options_(std::move(options)),
      node_(node),
      inventory_(inventory),
      errors_(errors),
      log_(log) {}

void Sync::Touch() { data_time_ = std::chrono::system_clock::now(); }

void Sync::WakeSwarm() {
  {
    std::lock_guard lock(mu_);
    swarm_wake_ = true;
  }
  swarm_cv_.notify_all();
}

void Sync::RunEvents(std::stop_token stop) {
  std::unique_ptr<Api> api = api_(stop);
  std::unique_ptr<Api> events = api_(stop);
  Backoff backoff;
  while (!stop.stop_requested()) {
    std::string error;
    const auto sync_start = std::chrono::system_clock::now();
    if (!api->Negotiate(&error) || !FullSync(*api, &error)) {
      Disconnected(error);
      SleepFor(stop, backoff.Next());
      continue;
    }
    backoff.Reset();
    events->Negotiate(&error);
    // Events since the sync began, so that nothing between the two is lost.
    const auto since =
        std::chrono::duration_cast<std::chrono::seconds>(sync_start.time_since_epoch()).count();
    const auto resync_at = std::chrono::steady_clock::now() + options_.resync_interval;
    EventSplitter splitter;
    const Response r = events->Stream(
        "/events?since=" + std::to_string(since),
        [&](std::string_view chunk) {
          if (!splitter.Feed(chunk, [&](std::string_view line) { OnEvent(*api, line); })) {
            errors_.Report("event_too_long", "dropped an over-long Docker event");
          }
          return true;
        },
        [&] {
          if (stop.stop_requested()) {
            return true;
          }
          // The stream is alive: the picture is current.
          {
            std::lock_guard lock(mu_);
            Touch();
          }
          return std::chrono::steady_clock::now() >= resync_at;
        });
    if (stop.stop_requested()) {
      break;
    }
    if (!r.ok || std::chrono::steady_clock::now() < resync_at) {
      // The stream broke (dockerd restarting?): resync, which also reconnects.
      log_.Info("Docker event stream ended; resyncing", {{"error", r.ok ? "closed" : r.error}});
      if (splitter.pending() > 0) {
        errors_.Report("event_stream_cut", "Docker event stream was cut in the middle of an event");
      }
    }
  }
}

void Sync::Disconnected(const std::string& error) {
  node_.SetEngineLost();
  {
    std::lock_guard lock(mu_);
    state_.connected = false;
    state_.swarm.reset();
  }
  errors_.Report("docker_unreachable", "the Docker engine does not answer; retrying with backoff",
                 {{"host", options_.host}, {"error", error}});
}

bool Sync::FullSync(Api& api, std::string* error) {
  const Response list = api.Get("/containers/json?all=1");
  if (!Answered(list)) {
    *error = Failure("/containers/json", list);
    return false;
  }
  auto summaries = ParseContainerList(list.body, error);
  if (!summaries) {
    return false;
  }
  EngineState next;
  for (const auto& s : *summaries) {
    next.containers[s.id] = RecordFrom(s, Inspect(api, s.id));
  }
  const Response info = api.Get("/info");
  const Response version = api.Get("/version");
  if (Answered(info)) {
    if (auto parsed = ParseInfo(info.body, error)) {
      if (Answered(version)) {
        MergeVersion(version.body, *parsed, error);
      }
      next.engine = std::move(*parsed);
    }
  }
  if (next.engine) {
    const EngineInfo& e = *next.engine;
    node_.SetEngine(e.swarm_node_id, e.name, e.swarm_state == "active" && !e.swarm_node_id.empty(),
                    e.swarm_manager);
  }
  next.connected = true;
  std::unordered_map<std::string, ContainerInfo> inventory;
  {
    std::lock_guard lock(mu_);
    if (!state_.connected) {
      log_.Info("connected to the Docker engine",
                {{"host", options_.host},
                 {"api_version", api.api_version()},
                 {"containers", std::to_string(next.containers.size())}});
    }
    // OOM kills and updates seen by events survive a resync.
    for (auto& [id, rec] : next.containers) {
      auto old = state_.containers.find(id);
      if (old != state_.containers.end()) {
        rec.oom_events = std::max(rec.oom_events, old->second.oom_events);
        rec.updates = old->second.updates;
      }
    }
    for (const auto& [id, rec] : next.containers) {
      inventory.emplace(id, InventoryInfo(id, rec));
    }
    next.swarm = std::move(state_.swarm);
    next.health_checks = state_.health_checks;
    next.health_checks_failed = state_.health_checks_failed;
    state_ = std::move(next);
    Touch();
    swarm_wake_ = true;
  }
  swarm_cv_.notify_all();
  inventory_.Replace(std::move(inventory));
  return true;
}

std::optional<ContainerDetails> Sync::Inspect(Api& api, const std::string& id) {
  const Response r = api.Get("/containers/" + id + "/json");
  if (!Answered(r)) {
    return std::nullopt;  // gone meanwhile
  }
  std::string error;
  auto d = ParseContainerInspect(r.body, &error);
  if (!d) {
    errors_.Report("malformed_inspect", "unreadable container inspect answer",
                   {{"id", id}, {"error", error}});
  }
  return d;
}

void Sync::OnEvent(Api& api, std::string_view line) {
  std::string error;
  auto event = ParseEvent(line, &error);
  if (!event) {
    errors_.Report("malformed_event", "unreadable Docker event", {{"error", error}});
    return;
  }
  EventEffect effect;
  {
    std::lock_guard lock(mu_);
    effect = ApplyEvent(*event, state_);
    Touch();
  }
  if (!effect.inspect.empty()) {
    RefreshContainer(api, effect.inspect);
  } else if (effect.inventory) {
    inventory_.Remove(event->id);
  }
  if (effect.swarm) {
    WakeSwarm();
  }
}

void Sync::RefreshContainer(Api& api, const std::string& id) {
  auto d = Inspect(api, id);
  std::optional<ContainerInfo> info;
  {
    std::lock_guard lock(mu_);
    auto it = state_.containers.find(id);
    if (it == state_.containers.end()) {
      return;
    }
    if (d) {
      if (d->oom_killed && it->second.oom_events == 0) {
        it->second.oom_events = 1;
      }
      it->second.details = std::move(*d);
      info = InventoryInfo(id, it->second);
    } else if (it->second.details.name.empty()) {
      state_.containers.erase(it);  // vanished before we could look
    }
  }
  if (!info) {
    inventory_.Remove(id);
    return;
  }
  // Only a change that other exporters see is published (a publish copies the inventory).
  const auto snapshot = inventory_.Snapshot();
  const ContainerInfo* known = snapshot->Find(id);
  if (known == nullptr || !SameInventoryInfo(*known, *info)) {
    inventory_.Upsert(std::move(*info));
  }
}

void Sync::RunSwarm(std::stop_token stop) {
  std::unique_ptr<Api> api;
  bool negotiated = false;
  while (true) {
    {
      std::unique_lock lock(mu_);
      swarm_cv_.wait_for(lock, stop, options_.swarm_poll_interval, [&] { return swarm_wake_; });
      if (stop.stop_requested()) {
        return;
      }
      swarm_wake_ = false;
      // Workers cannot read the cluster API; with --cluster.metrics=never nobody needs it.
      if (!state_.connected || !node_.Facts().manager || node_.mode() == ClusterMetrics::kNever) {
        state_.swarm.reset();
        continue;
      }
    }
    if (!api) {
      api = api_(stop);
    }
    std::string error;
    if (!negotiated && !api->Negotiate(&error)) {
      continue;
    }
    negotiated = true;
    if (!PollSwarm(*api, &error)) {
      negotiated = false;
      errors_.Report("swarm_poll_failed", "cannot read the swarm's nodes, services or tasks",
                     {{"error", error}});
    }
  }
}

bool Sync::PollSwarm(Api& api, std::string* error) {
  auto fail = [&](std::string why) {
    *error = std::move(why);
    node_.SetLeader(false);  // unknown: nobody writes cluster series rather than two nodes
    std::lock_guard lock(mu_);
    state_.swarm.reset();
    return false;
  };
  const Response nodes = api.Get("/nodes");
  if (!Answered(nodes)) {
    return fail(Failure("/nodes", nodes));
  }
  SwarmState swarm;
  auto parsed_nodes = ParseNodes(nodes.body, error);
  if (!parsed_nodes) {
    return fail(*error);
  }
  std::string own_id;
  {
    std::lock_guard lock(mu_);
    own_id = state_.engine ? state_.engine->swarm_node_id : "";
  }
  node_.SetLeader(IsLeader(*parsed_nodes, own_id));
  if (!node_.EmitsClusterSeries()) {
    std::lock_guard lock(mu_);
    state_.swarm.reset();
    return true;
  }
  swarm.nodes = std::move(*parsed_nodes);
  const Response services = api.Get("/services?status=true");
  const Response tasks = api.Get("/tasks");
  if (!Answered(services)) {
    return fail(Failure("/services", services));
  }
  if (!Answered(tasks)) {
    return fail(Failure("/tasks", tasks));
  }
  auto parsed_services = ParseServices(services.body, error);
  auto parsed_tasks = ParseTasks(tasks.body, error);
  if (!parsed_services || !parsed_tasks) {
    return fail(*error);
  }
  swarm.services = std::move(*parsed_services);
  swarm.tasks = std::move(*parsed_tasks);
  std::lock_guard lock(mu_);
  state_.swarm = std::move(swarm);
  return true;
}

}  // namespace swarmscope::docker
