#pragma once

// The background refresh of the cluster-wide families: one long-lived librados connection,
// every command of a refresh sent at once, and the rendering of the last refresh kept for
// scrapes. A scrape never waits for the cluster: a hung or dead monitor delays only the
// refresh (bounded by the librados timeouts), never /metrics.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "collector/exporter.h"
#include "collector/metric_writer.h"
#include "exporters/ceph/cluster_model.h"
#include "exporters/ceph/commands.h"
#include "exporters/ceph/rados.h"

namespace swarmscope {
class NodeRole;
}

namespace swarmscope::ceph {

/// Makes a connected cluster, or throws std::runtime_error saying why not.
using ClusterFactory = std::function<std::unique_ptr<Cluster>()>;

struct RefreshOptions {
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds metadata_interval{60000};  ///< daemon metadata re-read
  LabelSet base;                                       ///< on every series (the `cluster` label)
};

/// What a scrape reads.
struct ClusterSnapshot {
  bool active = false;  ///< this node refreshes the cluster series (NodeRole)
  bool pending = true;  ///< no refresh has completed yet
  bool connected = false;
  bool ok = false;                                        ///< the last refresh read every command
  std::string problem;                                    ///< why not, when !ok
  std::shared_ptr<const std::string> text;                ///< the last complete rendering
  std::chrono::system_clock::time_point data_time{};      ///< when that rendering was read
  double duration_seconds = 0;                            ///< of the last refresh
  std::vector<std::pair<std::string, bool>> commands;     ///< last refresh: name, success
  std::vector<std::pair<std::string, double>> durations;  ///< last refresh: name, seconds
};

class ClusterRefresh {
 public:
  ClusterRefresh(ClusterFactory connect, RefreshOptions options, NodeRole& node,
                 ErrorReporter& errors, Logger& log);

  /// The background task: connects (backoff on failure), refreshes every interval while this
  /// node writes the cluster series, reconnects after repeated monitor failures.
  void Run(std::stop_token stop);

  /// One refresh over `cluster` (the task's step; also for tests and benchmarks). Returns
  /// false if the monitors could not be reached (the previous rendering stays).
  bool RefreshOnce(Cluster& cluster, std::stop_token stop = {});

  ClusterSnapshot Snapshot() const;

 private:
  RawOutputs Send(Cluster& cluster, const std::vector<const CommandSpec*>& commands,
                  std::vector<std::pair<std::string, double>>& durations);

  ClusterFactory connect_;
  RefreshOptions options_;
  NodeRole& node_;
  ErrorReporter& errors_;
  Logger& log_;

  // Refresh state, owned by the task: the maps as of their epoch, the metadata as of its
  // last reading.
  std::optional<OsdMap> osd_map_;
  std::optional<FsMap> fs_map_;
  std::optional<MonMap> mon_map_;
  std::optional<MgrMap> mgr_map_;
  std::string mgr_summary_;  // status' mgrmap when mgr_map_ was read
  std::optional<CrushClasses> crush_;
  DaemonInfos osd_info_, mon_info_, mds_info_, mgr_info_;
  bool have_osd_info_ = false;
  HealthHistory module_history_;  // the mgr module's, where readable
  Clock::time_point seldom_time_{};
  HealthHistory seen_;  // checks seen since start
  MetricWriter writer_;
  CommandPool pool_{6};

  mutable std::mutex mu_;
  ClusterSnapshot snapshot_;
};

}  // namespace swarmscope::ceph
