#include "collector/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace swarmscope {
namespace {

using Action = ParseOutcome::Action;

std::vector<CollectorFlags> TestCollectors() {
  return {
      {"alpha",
       "Alpha things.",
       true,
       {{"alpha.socket", FlagKind::kString, "/run/a.sock", "Socket."},
        {"alpha.mode", FlagKind::kString, "one", "Mode.", {"one", "two"}}}},
      {"beta", "Beta things.", false, {}},
  };
}

ParseOutcome Parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
  std::vector<const char*> argv = {"swarmscope"};
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  std::vector<const char*> envp;
  for (const auto& e : env) {
    envp.push_back(e.c_str());
  }
  envp.push_back(nullptr);
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), envp.data(),
                          TestCollectors());
}

TEST(Config, Defaults) {
  const auto r = Parse({});
  ASSERT_EQ(r.action, Action::kRun) << r.message;
  EXPECT_EQ(r.config.listen_address, ":9338");
  EXPECT_EQ(r.config.telemetry_path, "/metrics");
  EXPECT_EQ(r.config.scrape_timeout, std::chrono::seconds(10));
  EXPECT_EQ(r.config.procfs, "/proc");
  EXPECT_EQ(r.config.log_level, LogLevel::kInfo);
  EXPECT_EQ(r.config.log_format, LogFormat::kLogfmt);
  EXPECT_TRUE(r.config.CollectorEnabled("alpha"));
  EXPECT_FALSE(r.config.CollectorEnabled("beta"));
  EXPECT_EQ(r.config.values.at("alpha.socket"), "/run/a.sock");
}

TEST(Config, FlagsBothForms) {
  const auto r = Parse({"--web.listen-address=127.0.0.1:0", "--web.telemetry-path", "/m",
                        "--scrape.timeout=1m30s", "--log.format=json", "--log.level", "debug",
                        "--no-collector.alpha", "--collector.beta", "--alpha.socket=/x"});
  ASSERT_EQ(r.action, Action::kRun) << r.message;
  EXPECT_EQ(r.config.listen_address, "127.0.0.1:0");
  EXPECT_EQ(r.config.telemetry_path, "/m");
  EXPECT_EQ(r.config.scrape_timeout, std::chrono::seconds(90));
  EXPECT_EQ(r.config.log_format, LogFormat::kJson);
  EXPECT_EQ(r.config.log_level, LogLevel::kDebug);
  EXPECT_FALSE(r.config.CollectorEnabled("alpha"));
  EXPECT_TRUE(r.config.CollectorEnabled("beta"));
  EXPECT_EQ(r.config.values.at("alpha.socket"), "/x");
}

TEST(Config, EnvironmentAndPrecedence) {
  const auto r = Parse({"--scrape.timeout=3s"},
                       {"SWARMSCOPE_SCRAPE_TIMEOUT=7s", "SWARMSCOPE_WEB_LISTEN_ADDRESS=:1234",
                        "SWARMSCOPE_COLLECTOR_ALPHA=false", "SWARMSCOPE_ALPHA_SOCKET=/env",
                        "PATH=/usr/bin", "OTHER_THING=1"});
  ASSERT_EQ(r.action, Action::kRun) << r.message;
  EXPECT_EQ(r.config.scrape_timeout, std::chrono::seconds(3));  // flag wins
  EXPECT_EQ(r.config.listen_address, ":1234");
  EXPECT_FALSE(r.config.CollectorEnabled("alpha"));
  EXPECT_EQ(r.config.values.at("alpha.socket"), "/env");
  // A flag also wins over a boolean from the environment.
  EXPECT_TRUE(Parse({"--collector.alpha"}, {"SWARMSCOPE_COLLECTOR_ALPHA=false"})
                  .config.CollectorEnabled("alpha"));
}

TEST(Config, EnvNames) {
  EXPECT_EQ(EnvNameForFlag("web.listen-address"), "SWARMSCOPE_WEB_LISTEN_ADDRESS");
  EXPECT_EQ(EnvNameForFlag("collector.cgroup"), "SWARMSCOPE_COLLECTOR_CGROUP");
}

TEST(Config, DisableDefaults) {
  auto r = Parse({"--collector.disable-defaults"});
  ASSERT_EQ(r.action, Action::kRun) << r.message;
  EXPECT_FALSE(r.config.CollectorEnabled("alpha"));
  r = Parse({"--collector.disable-defaults", "--collector.beta"});
  EXPECT_FALSE(r.config.CollectorEnabled("alpha"));
  EXPECT_TRUE(r.config.CollectorEnabled("beta"));
  r = Parse({}, {"SWARMSCOPE_COLLECTOR_DISABLE_DEFAULTS=true", "SWARMSCOPE_COLLECTOR_ALPHA=true"});
  EXPECT_TRUE(r.config.CollectorEnabled("alpha"));
}

TEST(Config, ErrorsAreOneClearLine) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus"}, "unrecognised option '--bogus'"},
      {{"--web.max-connections=abc"}, "--web.max-connections: expected a positive integer"},
      {{"--web.max-connections=0"}, "expected a positive integer"},
      {{"--scrape.timeout=10"}, "--scrape.timeout: expected a duration"},
      {{"--scrape.timeout=10x"}, "expected a duration"},
      {{"--scrape.timeout=0s"}, "must be longer than 0"},
      {{"--log.level=loud"}, "expected one of debug, info, warn, error"},
      {{"--log.format=xml"}, "expected logfmt or json"},
      {{"--path.procfs=/does/not/exist"}, "not a readable directory"},
      {{"--web.listen-address=9338"}, "expected [host]:port"},
      {{"--web.listen-address=:99999"}, "expected [host]:port"},
      {{"--web.telemetry-path=metrics"}, "--web.telemetry-path"},
      {{"--web.telemetry-path=/healthz"}, "--web.telemetry-path"},
      {{"--collector.alpha=maybe"}, "expected true or false"},
      {{"--alpha.mode=three"}, "--alpha.mode: expected one of one, two"},
      {{"--collector.alpha", "--no-collector.alpha"}, "both given"},
      {{"--web.listen-address"}, "missing"},
      {{"stray"}, "positional"},
  };
  for (const auto& [args, expect] : cases) {
    const auto r = Parse(args);
    EXPECT_EQ(r.action, Action::kError) << args[0] << " " << args.size() << " " << r.message;
    EXPECT_NE(r.message.find(expect), std::string::npos) << args[0] << ": " << r.message;
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
  }
}

TEST(Config, EnvironmentErrorsNameTheVariable) {
  auto r = Parse({}, {"SWARMSCOPE_SCRAPE_TIMEOUT=soon"});
  EXPECT_EQ(r.action, Action::kError);
  EXPECT_NE(r.message.find("SWARMSCOPE_SCRAPE_TIMEOUT"), std::string::npos) << r.message;
  r = Parse({}, {"SWARMSCOPE_SCRAPE_TIMOUT=5s"});
  EXPECT_EQ(r.action, Action::kError);
  EXPECT_NE(r.message.find("unknown environment variable SWARMSCOPE_SCRAPE_TIMOUT"),
            std::string::npos);
}

TEST(Config, HelpAndVersion) {
  auto r = Parse({"--help"});
  EXPECT_EQ(r.action, Action::kHelp);
  EXPECT_NE(r.message.find("--[no-]collector.alpha"), std::string::npos);
  EXPECT_NE(r.message.find("SWARMSCOPE_WEB_LISTEN_ADDRESS"), std::string::npos);
  r = Parse({"--version"});
  EXPECT_EQ(r.action, Action::kVersion);
  EXPECT_NE(r.message.find("swarmscope "), std::string::npos);
}

TEST(Config, HealthcheckReadsTheDaemonsFlagsAndEnvironment) {
  auto r = Parse({"--healthcheck"}, {"SWARMSCOPE_WEB_LISTEN_ADDRESS=127.0.0.1:9999"});
  EXPECT_EQ(r.action, Action::kHealthcheck);
  EXPECT_EQ(r.config.listen_address, "127.0.0.1:9999");
  r = Parse({"--healthcheck", "--web.listen-address=:1234"});
  EXPECT_EQ(r.action, Action::kHealthcheck);
  EXPECT_EQ(r.config.listen_address, ":1234");
  // A bad flag is still an error, not a healthcheck that silently asks the default port.
  EXPECT_EQ(Parse({"--healthcheck", "--web.listen-address=nope"}).action, Action::kError);
}

TEST(Duration, Parse) {
  using std::chrono::milliseconds;
  EXPECT_EQ(ParseDuration("10s"), milliseconds(10000));
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(ParseDuration("1d"), milliseconds(86400000));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("10"));
  EXPECT_FALSE(ParseDuration("-1s"));
  EXPECT_FALSE(ParseDuration("1s1m"));  // units largest first
  EXPECT_FALSE(ParseDuration("1.5s"));
  EXPECT_FALSE(ParseDuration("99999999999999999999s"));
  EXPECT_EQ(FormatDuration(milliseconds(5400500)), "1h30m500ms");
}

}  // namespace
}  // namespace swarmscope
