#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/log.h"

namespace swarmscope {

/// How a flag's value is checked.
enum class FlagKind { kString, kBool, kInt, kDuration, kLogLevel, kLogFormat, kPath };

/// One command-line flag. Every flag `--a.b-c` is also read from `SWARMSCOPE_A_B_C`.
struct FlagSpec {
  std::string name;           ///< without leading dashes, e.g. "web.listen-address"
  FlagKind kind;
  std::string default_value;  ///< as text, checked like a user's value
  std::string help;
  std::vector<std::string> choices = {};  ///< when set, the only values accepted
};

/// An exporter as the configuration sees it: its name (for --collector.<name>), whether it
/// is on by default, and the flags it adds.
struct CollectorFlags {
  std::string name;
  std::string help;
  bool enabled_by_default = true;
  std::vector<FlagSpec> flags;
};

/// The environment variable read for a flag: `SWARMSCOPE_` + upper case, `.`/`-` → `_`.
std::string EnvNameForFlag(std::string_view flag);

/// Parses a Prometheus-style duration: "1h30m", "10s", "250ms", "1d". Rejects negatives,
/// empty strings and unknown units.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::milliseconds d);

/// Parses "true"/"false" (also 1/0, yes/no) as used by flags and env.
std::optional<bool> ParseBool(std::string_view text);

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
  /// Collector name → enabled, in table order.
  std::vector<std::pair<std::string, bool>> collectors;
  /// Every flag's final text value, including exporters' own flags.
  std::map<std::string, std::string, std::less<>> values;

  bool CollectorEnabled(std::string_view name) const;
  /// A flag's value; the flag must exist.
  const std::string& Get(std::string_view flag) const;
  std::chrono::milliseconds GetDuration(std::string_view flag) const;
  int64_t GetInt(std::string_view flag) const;
  bool GetBool(std::string_view flag) const;
  /// A comma-separated flag as a list, items trimmed, empty items left out.
  std::vector<std::string> GetList(std::string_view flag) const;
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
