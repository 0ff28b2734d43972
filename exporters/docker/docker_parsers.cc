#include "exporters/docker/docker_parsers.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace swarmscope::docker {
namespace {

using nlohmann::json;

std::optional<json> ParseJson(std::string_view text, std::string* error) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    if (error) {
      *error = "not valid JSON";
    }
    return std::nullopt;
  }
  return j;
}

// Typed field access that never throws: a missing or wrongly-typed field is the default.
std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Int(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

bool Bool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

const json& Obj(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

std::map<std::string, std::string> Labels(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) {
    return out;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) {
      out[it.key()] = it.value().get<std::string>();
    }
  }
  return out;
}

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') {
    name.erase(name.begin());
  }
  return name;
}

}  // namespace

namespace {

// Parses a JSON array of objects with `one` for each; wrongly typed elements are skipped.
template <typename T, typename Fn>
std::optional<std::vector<T>> ParseArray(std::string_view text, std::string* error,
                                         const char* what, Fn one) {
  auto j = ParseJson(text, error);
  if (!j) {
    return std::nullopt;
  }
  if (!j->is_array()) {
    if (error) {
      *error = std::string("expected a JSON array of ") + what;
    }
    return std::nullopt;
  }
  std::vector<T> out;
  for (const auto& item : *j) {
    if (!item.is_object()) {
      continue;
    }
    if (auto v = one(item)) {
      out.push_back(std::move(*v));
    }
  }
  return out;
}

}  // namespace

std::string HealthFromStatus(std::string_view status) {
  if (status.find("(healthy)") != std::string_view::npos) {
    return "healthy";
  }
  if (status.find("(unhealthy)") != std::string_view::npos) {
    return "unhealthy";
  }
  if (status.find("(health: starting)") != std::string_view::npos) {
    return "starting";
  }
  return "";
}

double ParseTimestamp(std::string_view s) {
  if (s.size() < 20 || s.substr(0, 4) == "0001") {
    return 0;
  }
  std::tm tm{};
  const std::string head(s.substr(0, 19));
  if (strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) {
    return 0;
  }
  double seconds = static_cast<double>(timegm(&tm));
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    double scale = 0.1;
    for (size_t i = 1; i < rest.size() && rest[i] >= '0' && rest[i] <= '9'; ++i, scale /= 10) {
      seconds += (rest[i] - '0') * scale;
    }
  }
  // Offsets other than Z ("+02:00") are rare from dockerd; honour them anyway.
  const size_t sign = rest.find_first_of("+-");
  if (sign != std::string_view::npos && rest.size() >= sign + 6) {
    const int h = (rest[sign + 1] - '0') * 10 + (rest[sign + 2] - '0');
    const int m = (rest[sign + 4] - '0') * 10 + (rest[sign + 5] - '0');
    seconds += (rest[sign] == '+' ? -1 : 1) * (h * 3600 + m * 60);
  }
  return seconds;
}

std::optional<std::vector<ContainerSummary>> ParseContainerList(std::string_view text,
                                                                std::string* error) {
  return ParseArray<ContainerSummary>(text, error, "containers",
                                      [](const json& c) -> std::optional<ContainerSummary> {
                                        ContainerSummary s;
                                        s.id = Str(c, "Id");
                                        if (s.id.empty()) {
                                          return std::nullopt;
                                        }
                                        auto names = c.find("Names");
                                        if (names != c.end() && names->is_array() &&
                                            !names->empty() && names->front().is_string()) {
                                          s.name = StripSlash(names->front().get<std::string>());
                                        }
                                        s.image = Str(c, "Image");
                                        s.state = Str(c, "State");
                                        s.health = HealthFromStatus(Str(c, "Status"));
                                        s.labels = Labels(Obj(c, "Labels"));
                                        s.created = Int(c, "Created");
                                        return s;
                                      });
}

std::optional<ContainerDetails> ParseContainerInspect(std::string_view text, std::string* error) {
  auto j = ParseJson(text, error);
  if (!j) {
    return std::nullopt;
  }
  if (!j->is_object() || Str(*j, "Id").empty()) {
    if (error) {
      *error = "expected a container object with an Id";
    }
    return std::nullopt;
  }
  ContainerDetails d;
  d.id = Str(*j, "Id");
  d.name = StripSlash(Str(*j, "Name"));
  d.restart_count = Int(*j, "RestartCount");
  const json& config = Obj(*j, "Config");
  d.image = Str(config, "Image");
  d.labels = Labels(Obj(config, "Labels"));
  const json& state = Obj(*j, "State");
  d.state = Str(state, "Status");
  d.pid = Int(state, "Pid");
  d.oom_killed = Bool(state, "OOMKilled");
  d.exit_code = Int(state, "ExitCode");
  d.started_at = ParseTimestamp(Str(state, "StartedAt"));
  d.finished_at = ParseTimestamp(Str(state, "FinishedAt"));
  const json& health = Obj(state, "Health");
  d.health = Str(health, "Status");
  d.health_failing_streak = Int(health, "FailingStreak");
  return d;
}

std::optional<Event> ParseEvent(std::string_view text, std::string* error) {
  auto j = ParseJson(text, error);
  if (!j) {
    return std::nullopt;
  }
  if (!j->is_object()) {
    if (error) {
      *error = "expected an event object";
    }
    return std::nullopt;
  }
  Event e;
  e.type = Str(*j, "Type");
  e.action = Str(*j, "Action");
  const json& actor = Obj(*j, "Actor");
  e.id = Str(actor, "ID");
  e.attributes = Labels(Obj(actor, "Attributes"));
  e.time_nano = Int(*j, "timeNano");
  if (e.type.empty() || e.action.empty()) {
    if (error) {
      *error = "event without Type or Action";
    }
    return std::nullopt;
  }
  return e;
}

bool EventSplitter::Feed(std::string_view chunk,
                         const std::function<void(std::string_view)>& on_line) {
  bool ok = true;
  while (!chunk.empty()) {
    const size_t nl = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, nl);
    if (!overflow_) {
      if (partial_.size() + piece.size() > max_line_) {
        overflow_ = true;
        partial_.clear();
        ok = false;
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) {
      break;
    }
    if (!overflow_ && !partial_.empty()) {
      on_line(partial_);
    }
    partial_.clear();
    overflow_ = false;
    chunk.remove_prefix(nl + 1);
  }
  return ok;
}

std::optional<EngineInfo> ParseInfo(std::string_view text, std::string* error) {
  auto j = ParseJson(text, error);
  if (!j) {
    return std::nullopt;
  }
  if (!j->is_object() || Str(*j, "ServerVersion").empty()) {
    if (error) {
      *error = "expected an info object with ServerVersion";
    }
    return std::nullopt;
  }
  EngineInfo i;
  i.id = Str(*j, "ID");
  i.name = Str(*j, "Name");
  i.version = Str(*j, "ServerVersion");
  i.os = Str(*j, "OperatingSystem");
  i.os_type = Str(*j, "OSType");
  i.kernel = Str(*j, "KernelVersion");
  i.architecture = Str(*j, "Architecture");
  i.storage_driver = Str(*j, "Driver");
  i.cgroup_driver = Str(*j, "CgroupDriver");
  i.cgroup_version = Str(*j, "CgroupVersion");
  i.containers_running = Int(*j, "ContainersRunning");
  i.containers_paused = Int(*j, "ContainersPaused");
  i.containers_stopped = Int(*j, "ContainersStopped");
  i.images = Int(*j, "Images");
  const json& swarm = Obj(*j, "Swarm");
  i.swarm_node_id = Str(swarm, "NodeID");
  i.swarm_state = Str(swarm, "LocalNodeState");
  i.swarm_manager = Bool(swarm, "ControlAvailable");
  i.swarm_node_addr = Str(swarm, "NodeAddr");
  return i;
}

std::optional<std::vector<SwarmNode>> ParseNodes(std::string_view text, std::string* error) {
  return ParseArray<SwarmNode>(text, error, "nodes", [](const json& n) -> std::optional<SwarmNode> {
    SwarmNode node;
    node.id = Str(n, "ID");
    if (node.id.empty()) {
      return std::nullopt;
    }
    const json& spec = Obj(n, "Spec");
    node.role = Str(spec, "Role");
    node.availability = Str(spec, "Availability");
    node.state = Str(Obj(n, "Status"), "State");
    const json& description = Obj(n, "Description");
    node.hostname = Str(description, "Hostname");
    node.engine_version = Str(Obj(description, "Engine"), "EngineVersion");
    const json& manager = Obj(n, "ManagerStatus");
    node.leader = Bool(manager, "Leader");
    node.reachability = Str(manager, "Reachability");
    return node;
  });
}

std::optional<std::vector<SwarmService>> ParseServices(std::string_view text, std::string* error) {
  return ParseArray<SwarmService>(
      text, error, "services", [](const json& sv) -> std::optional<SwarmService> {
        SwarmService s;
        s.id = Str(sv, "ID");
        if (s.id.empty()) {
          return std::nullopt;
        }
        const json& spec = Obj(sv, "Spec");
        s.name = Str(spec, "Name");
        const auto labels = Labels(Obj(spec, "Labels"));
        if (auto it = labels.find("com.docker.stack.namespace"); it != labels.end()) {
          s.stack = it->second;
        }
        const json& mode = Obj(spec, "Mode");
        s.mode = mode.contains("Global")          ? "global"
                 : mode.contains("ReplicatedJob") ? "replicated-job"
                 : mode.contains("GlobalJob")     ? "global-job"
                                                  : "replicated";
        s.image = Str(Obj(Obj(spec, "TaskTemplate"), "ContainerSpec"), "Image");
        // Images pinned by digest (image:tag@sha256:...) are shown without the digest.
        if (const size_t at = s.image.find('@'); at != std::string::npos) {
          s.image.resize(at);
        }
        const json& status = Obj(sv, "ServiceStatus");
        if (status.contains("DesiredTasks")) {
          s.desired_tasks = Int(status, "DesiredTasks");
        }
        if (status.contains("RunningTasks")) {
          s.running_tasks = Int(status, "RunningTasks");
        }
        s.update_state = Str(Obj(sv, "UpdateStatus"), "State");
        return s;
      });
}

std::optional<std::vector<SwarmTask>> ParseTasks(std::string_view text, std::string* error) {
  return ParseArray<SwarmTask>(text, error, "tasks", [](const json& t) -> std::optional<SwarmTask> {
    SwarmTask task;
    task.service_id = Str(t, "ServiceID");
    task.node_id = Str(t, "NodeID");
    task.state = Str(Obj(t, "Status"), "State");
    task.desired_state = Str(t, "DesiredState");
    if (task.service_id.empty() || task.state.empty()) {
      return std::nullopt;
    }
    return task;
  });
}

bool MergeVersion(std::string_view text, EngineInfo& info, std::string* error) {
  auto j = ParseJson(text, error);
  if (!j) {
    return false;
  }
  if (!j->is_object() || Str(*j, "ApiVersion").empty()) {
    if (error) {
      *error = "expected a version object with ApiVersion";
    }
    return false;
  }
  info.api_version = Str(*j, "ApiVersion");
  if (info.version.empty()) {
    info.version = Str(*j, "Version");
  }
  if (info.kernel.empty()) {
    info.kernel = Str(*j, "KernelVersion");
  }
  return true;
}

}  // namespace swarmscope::docker
