#include "collector/config.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <sstream>
#include <stdexcept>

#include "collector/version.h"

namespace po = boost::program_options;

namespace swarmscope {
namespace {

constexpr std::string_view kEnvPrefix = "SWARMSCOPE_";

std::string CollectorFlagName(std::string_view collector) {
  return "collector." + std::string(collector);
}

// Every flag whose value the configuration holds, core first, then per collector its
// enable switch and its own flags.
std::vector<FlagSpec> AllValueFlags(const std::vector<CollectorFlags>& collectors) {
  std::vector<FlagSpec> all = CoreFlags();
  for (const auto& c : collectors) {
    all.push_back({CollectorFlagName(c.name), FlagKind::kBool,
                   c.enabled_by_default ? "true" : "false",
                   "Enable the " + c.name + " collector: " + c.help});
  }
  for (const auto& c : collectors) {
    all.insert(all.end(), c.flags.begin(), c.flags.end());
  }
  return all;
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Checks `value` for `flag`; returns an error message or "".
std::string Validate(const FlagSpec& flag, const std::string& value) {
  auto bad = [&](std::string_view what) {
    return "invalid value \"" + value + "\" for --" + flag.name + ": " + std::string(what);
  };
  if (!flag.choices.empty()) {
    for (const auto& c : flag.choices) {
      if (value == c) {
        return "";
      }
    }
    std::string list;
    for (const auto& c : flag.choices) {
      list += (list.empty() ? "" : ", ") + c;
    }
    return bad("expected one of " + list);
  }
  switch (flag.kind) {
    case FlagKind::kString:
    case FlagKind::kList:
      return "";
    case FlagKind::kBool:
      return ParseBool(value) ? "" : bad("expected true or false");
    case FlagKind::kInt: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n <= 0) {
        return bad("expected a positive integer");
      }
      return "";
    }
    case FlagKind::kDuration:
      return ParseDuration(value) ? "" : bad("expected a duration such as 10s, 500ms or 1m30s");
    case FlagKind::kLogLevel:
      return ParseLogLevel(value) ? "" : bad("expected one of debug, info, warn, error");
    case FlagKind::kLogFormat:
      return ParseLogFormat(value) ? "" : bad("expected logfmt or json");
    case FlagKind::kPath:
      return IsDirectory(value) ? "" : bad("not a readable directory");
    case FlagKind::kHttpUrl: {
      const std::string why = CheckHttpUrl(value);
      return why.empty() ? "" : bad(why);
    }
  }
  return "";
}

std::string ValidateListenAddress(const std::string& value) {
  const size_t colon = value.rfind(':');
  std::string err =
      "invalid value \"" + value + "\" for --web.listen-address: expected [host]:port, e.g. :9338";
  if (colon == std::string::npos) {
    return err;
  }
  const std::string_view port(value.data() + colon + 1, value.size() - colon - 1);
  unsigned n = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n > 65535) {
    return err;
  }
  return "";
}

}  // namespace

const std::vector<FlagSpec>& CoreFlags() {
  static const std::vector<FlagSpec> kFlags = {
      {"web.listen-address", FlagKind::kString, ":9338",
       "Address to listen on for HTTP: [host]:port; an empty host means every address."},
      {"web.telemetry-path", FlagKind::kString, "/metrics", "Path under which metrics are served."},
      {"web.max-connections", FlagKind::kInt, "64",
       "Open HTTP connections at most; further ones are closed at once and counted."},
      {"web.read-timeout", FlagKind::kDuration, "10s",
       "Time a client has to send a whole request header."},
      {"web.idle-timeout", FlagKind::kDuration, "2m",
       "Time a kept-alive connection may stay idle between requests."},
      {"web.write-timeout", FlagKind::kDuration, "30s",
       "Time a client has to read a whole response."},
      {"scrape.timeout", FlagKind::kDuration, "10s",
       "Longest a scrape may take; collectors still running then report success 0. "
       "Lowered by Prometheus' X-Prometheus-Scrape-Timeout-Seconds header."},
      {"scrape.timeout-offset", FlagKind::kDuration, "500ms",
       "Subtracted from X-Prometheus-Scrape-Timeout-Seconds so the answer arrives in time."},
      {"path.rootfs", FlagKind::kPath, "/", "Root of the host's filesystem (e.g. /host)."},
      {"path.procfs", FlagKind::kPath, "/proc", "Mount point of the host's proc filesystem."},
      {"path.sysfs", FlagKind::kPath, "/sys", "Mount point of the host's sys filesystem."},
      {"node.id", FlagKind::kString, "",
       "This node's swarm node ID (the stack sets it from {{.Node.ID}}); empty: from the Docker "
       "engine. node_meta keeps answering with it while the engine is unreachable."},
      {"node.name", FlagKind::kString, "",
       "This node's name (the stack sets it from {{.Node.Hostname}}); empty: from the Docker "
       "engine."},
      {"cluster.metrics",
       FlagKind::kString,
       "leader",
       "Which node writes cluster-wide series (the swarm's nodes, services and tasks; later "
       "Ceph's cluster): leader (the swarm leader only, so they appear exactly once; a node "
       "outside a swarm is its own leader), always (every node that can read them) or never.",
       {"leader", "always", "never"}},
      {"log.level", FlagKind::kLogLevel, "info", "Log level: debug, info, warn or error."},
      {"log.format", FlagKind::kLogFormat, "logfmt", "Log format: logfmt or json."},
      {"collector.disable-defaults", FlagKind::kBool, "false",
       "Disable every collector not enabled explicitly with --collector.<name>."},
  };
  return kFlags;
}

std::string EnvNameForFlag(std::string_view flag) {
  std::string env(kEnvPrefix);
  for (char c : flag) {
    if (c == '.' || c == '-') {
      env += '_';
    } else {
      env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return env;
}

const void* Config::OptionsOf(std::string_view name) const {
  auto it = collector_options.find(name);
  return it == collector_options.end() ? nullptr : it->second.get();
}

bool Config::CollectorEnabled(std::string_view name) const {
  for (const auto& [n, on] : collectors) {
    if (n == name) {
      return on;
    }
  }
  return false;
}

ParseOutcome ParseCommandLine(int argc, const char* const* argv, const char* const* envp,
                              const std::vector<CollectorFlags>& collectors) {
  using Action = ParseOutcome::Action;
  ParseOutcome outcome;
  auto fail = [&](std::string msg) {
    outcome.action = Action::kError;
    outcome.message = std::move(msg);
    return outcome;
  };
  const std::vector<FlagSpec> flags = AllValueFlags(collectors);

  po::options_description desc;
  desc.add_options()("help,h", "")("version", "")("healthcheck", "");
  for (const auto& f : flags) {
    if (f.kind == FlagKind::kBool) {
      desc.add_options()(f.name.c_str(), po::value<std::string>()->implicit_value("true"), "");
      desc.add_options()(("no-" + f.name).c_str(), po::bool_switch(), "");
    } else {
      desc.add_options()(f.name.c_str(), po::value<std::string>(), "");
    }
  }
  po::variables_map cli;
  try {
    const po::parsed_options parsed =
        po::command_line_parser(argc, argv)
            .options(desc)
            .style(po::command_line_style::unix_style & ~po::command_line_style::allow_guessing &
                   ~po::command_line_style::allow_sticky)
            .run();
    for (const auto& option : parsed.options) {
      if (option.position_key >= 0 || option.string_key.empty()) {
        const std::string arg = option.value.empty() ? "" : option.value.front();
        return fail("unexpected positional argument '" + arg + "' (see --help)");
      }
    }
    po::store(parsed, cli);
  } catch (const po::error& e) {
    return fail(std::string(e.what()) + " (see --help)");
  }
  // bool_switch options are always present (defaulted to false); this asks if one was given.
  auto negated_on_cli = [&cli](const std::string& flag) {
    const auto it = cli.find("no-" + flag);
    return it != cli.end() && !it->second.defaulted() && it->second.as<bool>();
  };
  if (cli.count("help")) {
    outcome.action = Action::kHelp;
    outcome.message = HelpText(collectors);
    return outcome;
  }
  if (cli.count("version")) {
    outcome.action = Action::kVersion;
    outcome.message = std::string("swarmscope ") + kVersion + " (revision " + kRevision + ")\n";
    return outcome;
  }

  // Environment: SWARMSCOPE_* only; a name that matches no flag is a mistake worth stopping for.
  std::map<std::string, std::string, std::less<>> env;
  for (const char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (kv.substr(0, kEnvPrefix.size()) == kEnvPrefix && eq != std::string_view::npos) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  std::map<std::string, const FlagSpec*, std::less<>> by_env;
  for (const auto& f : flags) {
    by_env[EnvNameForFlag(f.name)] = &f;
  }
  for (const auto& [name, value] : env) {
    if (!by_env.count(name)) {
      return fail("unknown environment variable " + name + " (see --help for the list)");
    }
  }

  Config& config = outcome.config;
  for (const auto& f : flags) {
    std::string value = f.default_value;
    std::string source = "default";
    const std::string env_name = EnvNameForFlag(f.name);
    if (auto it = env.find(env_name); it != env.end()) {
      value = it->second;
      source = env_name;
    }
    const bool on_cli = cli.count(f.name) > 0;
    const bool negated = f.kind == FlagKind::kBool && negated_on_cli(f.name);
    if (on_cli && negated) {
      return fail("--" + f.name + " and --no-" + f.name + " both given");
    }
    if (on_cli) {
      value = cli[f.name].as<std::string>();
      source = "--" + f.name;
    } else if (negated) {
      value = "false";
      source = "--no-" + f.name;
    }
    if (std::string err = Validate(f, value); !err.empty()) {
      if (source.rfind("SWARMSCOPE_", 0) == 0) {
        err += " (from " + source + ")";
      }
      return fail(err);
    }
    config.values[f.name] = value;
  }

  // The core flags, already checked, into their typed fields.
  auto value = [&config](std::string_view flag) -> const std::string& {
    return config.values.find(flag)->second;
  };
  auto duration = [&](std::string_view flag) {
    return ParseDuration(value(flag)).value_or(std::chrono::milliseconds(0));
  };
  config.listen_address = value("web.listen-address");
  if (std::string err = ValidateListenAddress(config.listen_address); !err.empty()) {
    return fail(err);
  }
  config.telemetry_path = value("web.telemetry-path");
  if (config.telemetry_path.empty() || config.telemetry_path[0] != '/' ||
      config.telemetry_path == "/" || config.telemetry_path == "/healthz") {
    return fail("invalid value \"" + config.telemetry_path +
                "\" for --web.telemetry-path: expected a path such as /metrics, not / or /healthz");
  }
  config.max_connections =
      static_cast<int>(options_detail::Codec<int64_t>::Parse(value("web.max-connections")));
  config.read_timeout = duration("web.read-timeout");
  config.idle_timeout = duration("web.idle-timeout");
  config.write_timeout = duration("web.write-timeout");
  config.scrape_timeout = duration("scrape.timeout");
  config.scrape_timeout_offset = duration("scrape.timeout-offset");
  if (config.scrape_timeout.count() == 0) {
    return fail("invalid value \"0s\" for --scrape.timeout: must be longer than 0");
  }
  config.rootfs = value("path.rootfs");
  config.procfs = value("path.procfs");
  config.sysfs = value("path.sysfs");
  config.node_id = value("node.id");
  config.node_name = value("node.name");
  const std::string& cluster = value("cluster.metrics");
  config.cluster_metrics = cluster == "always"  ? ClusterMetrics::kAlways
                           : cluster == "never" ? ClusterMetrics::kNever
                                                : ClusterMetrics::kLeader;
  config.log_level = *ParseLogLevel(value("log.level"));
  config.log_format = *ParseLogFormat(value("log.format"));

  // --collector.disable-defaults turns off every collector not named on the command line or
  // in the environment.
  const bool disable_defaults = ParseBool(value("collector.disable-defaults")).value_or(false);
  for (const auto& c : collectors) {
    const std::string flag = CollectorFlagName(c.name);
    bool on = ParseBool(value(flag)).value_or(false);
    const bool explicit_choice =
        cli.count(flag) || negated_on_cli(flag) || env.count(EnvNameForFlag(flag));
    if (disable_defaults && !explicit_choice) {
      on = false;
    }
    config.collectors.emplace_back(c.name, on);
    // Each option is stored once into the collector's typed struct.
    if (c.new_options) {
      std::shared_ptr<void> options = c.new_options();
      for (const auto& f : c.flags) {
        if (f.store) {
          f.store(options.get(), value(f.name));
        }
      }
      config.collector_options[c.name] = std::move(options);
    }
  }
  // --healthcheck takes the same flags and environment as the daemon (it must find the
  // daemon's listen address), so it is decided last.
  if (cli.count("healthcheck")) {
    outcome.action = Action::kHealthcheck;
  }
  return outcome;
}

std::string HelpText(const std::vector<CollectorFlags>& collectors) {
  std::ostringstream out;
  std::string names;
  for (const auto& c : collectors) {
    names += (names.empty() ? "" : ", ") + c.name;
  }
  out << "usage: swarmscope [flags]\n\n"
         "Swarm-native metrics collector: serves what its collectors read ("
      << names
      << ") as\nPrometheus metrics. Every flag can also be set by the environment variable shown;\n"
         "a flag on the command line wins over the environment.\n\n"
         "Flags:\n"
         "  -h, --help     Show this help and exit.\n"
         "      --version  Show the version and exit.\n"
         "      --healthcheck\n"
         "                 Ask the collector running with these flags for /healthz and exit 0\n"
         "                 if it answers 200, 1 if not (the image's HEALTHCHECK).\n";
  for (const auto& f : AllValueFlags(collectors)) {
    out << "      --" << (f.kind == FlagKind::kBool ? "[no-]" : "") << f.name;
    if (f.kind != FlagKind::kBool) {
      out << "=VALUE";
    }
    out << "\n          " << f.help << "\n          env " << EnvNameForFlag(f.name)
        << ", default \"" << f.default_value << "\"\n";
  }
  return out.str();
}

std::string FlagsMarkdown(const std::vector<CollectorFlags>& collectors) {
  std::ostringstream out;
  out << "| flag | environment variable | default | meaning |\n|---|---|---|---|\n";
  for (const auto& f : AllValueFlags(collectors)) {
    std::string help = f.help;
    std::replace(help.begin(), help.end(), '|', '/');
    out << "| `--" << (f.kind == FlagKind::kBool ? "[no-]" : "") << f.name << "` | `"
        << EnvNameForFlag(f.name) << "` | "
        << (f.default_value.empty() ? "(empty)" : "`" + f.default_value + "`") << " | " << help
        << " |\n";
  }
  return out.str();
}

}  // namespace swarmscope
