#pragma once

// The commands a refresh sends, how their outputs are parsed into the cluster model, and
// the threads that send them.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "collector/exporter.h"
#include "exporters/ceph/cluster_model.h"
#include "exporters/ceph/rados.h"

namespace swarmscope::ceph {

/// When a command is sent.
enum class When {
  kEvery,     ///< every refresh, all at once
  kOnChange,  ///< a map, read again only when `status` shows a new epoch of it
  kSeldom,    ///< metadata: every metadata interval, or when a daemon it lacks appears
};

/// One command of a refresh, by the name it is reported under.
struct CommandSpec {
  std::string_view name;  ///< "status", "osd_dump", ... (label `command`)
  Target target;
  std::string_view json;
  When when = When::kEvery;
  bool optional = false;  ///< its failure does not fail the refresh
};
/// Every command a refresh may send.
const std::vector<CommandSpec>& ClusterCommands();

/// The outputs of one refresh, by command name (rc and text), before parsing.
struct RawOutputs {
  std::vector<std::pair<const CommandSpec*, CommandResult>> results;
};

/// Parses `raw` into `data`. Each command that failed or printed what cannot be parsed is
/// reported to `errors` and named in `failed` (optional ones only when they failed for
/// another reason than being absent).
void ParseOutputs(const RawOutputs& raw, ClusterData& data, ErrorReporter& errors,
                  std::vector<std::string>* failed);

/// A few threads that send the commands of a refresh concurrently.
class CommandPool {
 public:
  explicit CommandPool(size_t threads);
  ~CommandPool();
  CommandPool(const CommandPool&) = delete;
  CommandPool& operator=(const CommandPool&) = delete;
  void Submit(std::function<void()> job);

 private:
  void Work(std::stop_token stop);
  std::mutex mu_;
  std::condition_variable_any ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::jthread> threads_;  // last: joined first, while the queue still exists
};

}  // namespace swarmscope::ceph
