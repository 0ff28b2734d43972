#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include "collector/background.h"
#include "collector/container_inventory.h"
#include "collector/exporter.h"
#include "collector/node_role.h"
#include "exporters/docker/docker_client.h"
#include "exporters/docker/state.h"

namespace swarmscope::docker {

/// Makes an API client for one background task; requests are abandoned once `stop` is
/// requested (shutdown must not wait for a hung daemon).
using ApiFactory = std::function<std::unique_ptr<Api>(std::stop_token stop)>;

struct SyncOptions {
  std::chrono::milliseconds resync_interval{std::chrono::minutes(5)};
  std::chrono::milliseconds swarm_poll_interval{std::chrono::seconds(5)};
  std::string host;  ///< for log lines
};

/// Keeps the picture of one engine up to date in the background: a full sync at start and
/// after every reconnect or resync interval, the event stream in between (an inspect only
/// for a container an event changed), and on the node that writes cluster series a poll
/// of /nodes, /services and /tasks (tasks have no events). It also tells NodeRole what this
/// node is. A scrape only reads the picture: no Docker API call on the scrape path.
class Sync {
 public:
  Sync(ApiFactory api, SyncOptions options, NodeRole& node, ContainerInventory& inventory,
       ErrorReporter& errors, Logger& log);

  /// The event loop: connect, full sync, follow /events until the resync interval or a
  /// break, again; reconnect with backoff. Returns once `stop` is requested.
  void RunEvents(std::stop_token stop);
  /// The swarm poll: on a manager that writes cluster series (NodeRole), every poll
  /// interval and on service and node events. Returns once `stop` is requested.
  void RunSwarm(std::stop_token stop);

  /// Calls `read(state, data_time)` under the lock: the picture, and when it was last known
  /// to be current (the last sync, event or sign of life of the stream).
  template <typename F>
  auto Read(F&& read) const {
    std::lock_guard lock(mu_);
    return read(state_, data_time_);
  }

  // The steps, public for the unit tests that drive them on captured answers.
  /// Lists, inspects and reads /info and /version; replaces the picture. False (and why) if
  /// the engine did not answer.
  bool FullSync(Api& api, std::string* error);
  /// Applies one line of the event stream.
  void OnEvent(Api& api, std::string_view line);
  /// One read of the swarm; false (and why) if it failed.
  bool PollSwarm(Api& api, std::string* error);
  /// The engine is lost: the scrape reports success 0 and NodeRole forgets the role.
  void Disconnected(const std::string& error);

 private:
  std::optional<ContainerDetails> Inspect(Api& api, const std::string& id);
  void RefreshContainer(Api& api, const std::string& id);
  void Touch();
  void WakeSwarm();

  ApiFactory api_;
  SyncOptions options_;
  NodeRole& node_;
  ContainerInventory& inventory_;
  ErrorReporter& errors_;
  Logger& log_;

  mutable std::mutex mu_;
  std::condition_variable_any swarm_cv_;
  bool swarm_wake_ = false;
  EngineState state_;
  std::chrono::system_clock::time_point data_time_{};
};

}  // namespace swarmscope::docker
