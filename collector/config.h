#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/log.h"
#include "collector/options.h"

namespace swarmscope {

/// An exporter as the configuration sees it: its name (for --collector.<name>), whether it
/// is on by default, and the flags it adds.
struct CollectorFlags {
  std::string name;
  std::string help;
  bool enabled_by_default = true;
  std::vector<FlagSpec> flags;
  /// A default-constructed options struct that the exporter's flags are stored into.
  std::function<std::shared_ptr<void>()> new_options = {};
};

/// The environment variable read for a flag: `SWARMSCOPE_` + upper case, `.`/`-` → `_`.
std::string EnvNameForFlag(std::string_view flag);

/// Which node writes cluster-wide series (the swarm's nodes, services and tasks; Ceph's
/// cluster): see NodeRole::EmitsClusterSeries.
enum class ClusterMetrics { kLeader, kAlways, kNever };

/// The final configuration of a run: every flag's value after flags > env > default.
struct Config {
  std::string listen_address;
  std::string telemetry_path;
  int max_connections = 0;
  std::chrono::milliseconds read_timeout{};
  std::chrono::milliseconds idle_timeout{};
  std::chrono::milliseconds write_timeout{};
  std::chrono::milliseconds scrape_timeout{};
  std::chrono::milliseconds scrape_timeout_offset{};
  std::string rootfs;
  std::string procfs;
  std::string sysfs;
  LogLevel log_level = LogLevel::kInfo;
  LogFormat log_format = LogFormat::kLogfmt;
  std::string node_id;    ///< --node.id, "" = from the Docker engine
  std::string node_name;  ///< --node.name, "" = from the Docker engine
  ClusterMetrics cluster_metrics = ClusterMetrics::kLeader;
  /// Collector name → enabled, in table order.
  std::vector<std::pair<std::string, bool>> collectors;
  /// Collector name → its options struct, filled from its flags (see OptionTable).
  std::map<std::string, std::shared_ptr<void>, std::less<>> collector_options;
  /// Every flag's final text value, as given or defaulted (for logs and tests).
  std::map<std::string, std::string, std::less<>> values;

  bool CollectorEnabled(std::string_view name) const;
  /// The options struct of collector `name` (nullptr for a collector without options).
  const void* OptionsOf(std::string_view name) const;
};

/// What the command line asks for.
struct ParseOutcome {
  enum class Action { kRun, kHelp, kVersion, kHealthcheck, kError };
  Action action = Action::kRun;
  Config config;
  std::string message;  ///< help text, or the one-line error
};

/// The core flags (web, scrape, path, log), in the order --help lists them.
const std::vector<FlagSpec>& CoreFlags();

/// Parses argv and the environment (`envp`, NULL-terminated, may be null).
ParseOutcome ParseCommandLine(int argc, const char* const* argv, const char* const* envp,
                              const std::vector<CollectorFlags>& collectors);

/// The --help text: every flag with its env variable and default.
std::string HelpText(const std::vector<CollectorFlags>& collectors);

/// A Markdown table of every flag, env variable and default (the README's reference).
std::string FlagsMarkdown(const std::vector<CollectorFlags>& collectors);

}  // namespace swarmscope
