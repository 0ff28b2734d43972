#pragma once

// Pure parsers of Docker Engine API answers (API 1.41 and older): JSON text in, plain
// structs out. No I/O, no throws: malformed or wrongly-typed JSON gives nullopt and a
// reason in `error`.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope::docker {

/// One entry of GET /containers/json?all=1.
struct ContainerSummary {
  std::string id;
  std::string name;  ///< without the leading '/'
  std::string image;
  std::string state;   ///< created, running, paused, restarting, removing, exited, dead
  std::string health;  ///< "", starting, healthy, unhealthy (from Status)
  std::map<std::string, std::string> labels;
  int64_t created = 0;
};
std::optional<std::vector<ContainerSummary>> ParseContainerList(std::string_view json,
                                                                std::string* error);

/// GET /containers/{id}/json: what the list does not say.
struct ContainerDetails {
  std::string id;
  std::string name;
  std::string image;  ///< Config.Image, as the user named it
  std::string state;
  std::map<std::string, std::string> labels;
  int64_t pid = 0;
  int64_t restart_count = 0;
  bool oom_killed = false;
  int64_t exit_code = 0;
  double started_at = 0;   ///< unix seconds, 0 if never started
  double finished_at = 0;  ///< unix seconds, 0 if never finished
  std::string health;      ///< "" when the container has no healthcheck
  int64_t health_failing_streak = 0;
};
std::optional<ContainerDetails> ParseContainerInspect(std::string_view json, std::string* error);

/// One message of GET /events.
struct Event {
  std::string type;    ///< container, image, network, volume, service, node, ...
  std::string action;  ///< create, start, die, destroy, oom, health_status: healthy, ...
  std::string id;
  std::map<std::string, std::string> attributes;
  int64_t time_nano = 0;
};
std::optional<Event> ParseEvent(std::string_view json, std::string* error);

/// Splits the /events byte stream into messages (one JSON object per line). Keeps a partial
/// message across chunks; a message longer than `max_line` is dropped and reported.
class EventSplitter {
 public:
  explicit EventSplitter(size_t max_line = 1 << 20) : max_line_(max_line) {}
  /// Calls `on_line` for every complete line in `chunk` (and what was kept before).
  /// Returns false if an over-long line was dropped.
  bool Feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line);
  /// Bytes of an unfinished message kept (e.g. when the stream is cut mid-object).
  size_t pending() const { return partial_.size(); }
  void Reset() { partial_.clear(); }

 private:
  size_t max_line_;
  std::string partial_;
  bool overflow_ = false;
};

/// GET /info and GET /version, the parts the metrics use.
struct EngineInfo {
  std::string id;
  std::string name;  ///< host name
  std::string version;
  std::string api_version;
  std::string os;       ///< OperatingSystem
  std::string os_type;  ///< OSType
  std::string kernel;
  std::string architecture;
  std::string storage_driver;
  std::string cgroup_driver;
  std::string cgroup_version;
  int64_t containers_running = 0;
  int64_t containers_paused = 0;
  int64_t containers_stopped = 0;
  int64_t images = 0;
  std::string swarm_node_id;
  std::string swarm_state;  ///< inactive, pending, active, error, locked
  bool swarm_manager = false;
  std::string swarm_node_addr;
};
std::optional<EngineInfo> ParseInfo(std::string_view json, std::string* error);
/// Adds GET /version's ApiVersion (and Version, KernelVersion if /info lacked them).
bool MergeVersion(std::string_view json, EngineInfo& info, std::string* error);

/// One swarm node of GET /nodes (managers only).
struct SwarmNode {
  std::string id;
  std::string hostname;
  std::string role;          ///< manager, worker
  std::string availability;  ///< active, pause, drain
  std::string state;         ///< unknown, down, ready, disconnected
  std::string engine_version;
  bool leader = false;
  std::string reachability;  ///< managers: reachable, unreachable, unknown; "" for workers
};
std::optional<std::vector<SwarmNode>> ParseNodes(std::string_view json, std::string* error);

/// One service of GET /services?status=true (API >= 1.41 for ServiceStatus).
struct SwarmService {
  std::string id;
  std::string name;
  std::string stack;  ///< com.docker.stack.namespace
  std::string mode;   ///< replicated, global, replicated-job, global-job
  std::string image;
  std::optional<int64_t> desired_tasks;  ///< ServiceStatus.DesiredTasks
  std::optional<int64_t> running_tasks;  ///< ServiceStatus.RunningTasks
  std::string update_state;              ///< UpdateStatus.State, "" if never updated
};
std::optional<std::vector<SwarmService>> ParseServices(std::string_view json, std::string* error);

/// One task of GET /tasks: only what the counts need.
struct SwarmTask {
  std::string service_id;
  std::string node_id;
  std::string state;          ///< Status.State
  std::string desired_state;  ///< DesiredState
};
std::optional<std::vector<SwarmTask>> ParseTasks(std::string_view json, std::string* error);

/// "2026-11-25T17:22:40.552672208Z" → unix seconds; 0 for Docker's zero time or garbage.
double ParseTimestamp(std::string_view rfc3339);

/// The health in a container list Status ("Up 5 minutes (unhealthy)").
std::string HealthFromStatus(std::string_view status);

}  // namespace swarmscope::docker
