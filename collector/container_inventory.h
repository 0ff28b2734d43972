#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace swarmscope {

/// The Docker labels exported as container_label_<key> by default: the ones swarm sets.
inline constexpr const char* kDefaultSwarmLabels =
    "com.docker.swarm.node.id,com.docker.swarm.service.id,com.docker.swarm.service.name,"
    "com.docker.swarm.task.id,com.docker.swarm.task.name,com.docker.stack.namespace";

/// What exporters share about one container. Filled by the docker exporter, read by the
/// cgroup exporter (names, images and swarm labels for cAdvisor-style series).
struct ContainerInfo {
  std::string id;    ///< full 64-hex id
  std::string name;  ///< without the leading '/'
  std::string image;
  std::map<std::string, std::string> labels;
  int64_t main_pid = 0;           ///< host pid of the container's init, 0 if not running
  double start_time_seconds = 0;  ///< unix time the container last started
  std::string state;              ///< created, running, paused, restarting, exited, dead
  /// Grows with every `docker update` of the container (its resource limits may have
  /// changed): readers that cache limits read them again when it changes.
  uint64_t updates = 0;
};

/// An immutable view of every known container, keyed by full id.
struct ContainerSnapshot {
  std::unordered_map<std::string, ContainerInfo> containers;
  /// Grows by one with every change; lets readers cache what they derive from a snapshot.
  uint64_t generation = 0;

  const ContainerInfo* Find(std::string_view id) const;
};

/// The seam through which exporters share container metadata. Readers take a snapshot
/// (cheap: a shared pointer copy) and never see a half-applied update.
class ContainerInventory {
 public:
  ContainerInventory();

  std::shared_ptr<const ContainerSnapshot> Snapshot() const;

  /// Replaces everything (a full resync).
  void Replace(std::unordered_map<std::string, ContainerInfo> containers);
  /// Adds or updates one container.
  void Upsert(ContainerInfo info);
  /// Forgets one container; no-op if unknown.
  void Remove(std::string_view id);

 private:
  void Publish(std::shared_ptr<ContainerSnapshot> next);

  std::mutex write_mu_;    // serialises writers: copy, change, publish
  mutable std::mutex mu_;  // guards current_
  std::shared_ptr<const ContainerSnapshot> current_;
};

}  // namespace swarmscope
