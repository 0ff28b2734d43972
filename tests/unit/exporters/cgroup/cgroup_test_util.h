#pragma once

// Helpers shared by the cgroup exporter's tests: the exporter run as the daemon runs it,
// on a tree of fixture files, and the inventory the golden files were written with.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "exporters/cgroup/cgroup_exporter.h"
#include "tests/support/exporter_harness.h"
#include "tests/support/exposition_parser.h"

namespace swarmscope::cgroup {

inline const std::string kSource = SWARMSCOPE_SOURCE_DIR;
inline const std::string kFixtures = kSource + "/tests/fixtures/cgroup";
inline const std::string kA = "aaaa111111111111111111111111111111111111111111111111111111111111";
inline const std::string kB = "bbbb222222222222222222222222222222222222222222222222222222222222";
inline const std::string kC = "cccc333333333333333333333333333333333333333333333333333333333333";

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The exporter with its roots at `tree`, as the daemon runs it.
class Scraper {
 public:
  explicit Scraper(const std::string& tree, std::vector<std::string> extra = {})
      : harness_(CgroupExporterSpec(), Args(tree, std::move(extra))) {
    EXPECT_EQ(harness_.parsed().action, ParseOutcome::Action::kRun) << harness_.parsed().message;
  }

  ContainerInventory& inventory() { return harness_.inventory(); }

  // The exposition, and whether Collect() reported success.
  std::pair<std::string, bool> Scrape() {
    auto r = harness_.Collect();
    EXPECT_EQ(r.out_of_order, 0u);
    return {r.text, r.ok};
  }

  // Problems the exporter reported, by cause.
  double Errors(const std::string& cause) {
    auto e = testing::ParseExposition(harness_.SelfText());
    if (!e) {
      return -1;
    }
    const auto* s =
        testing::FindSample(*e, "swarmscope_collector_errors_total", {{"cause", cause}});
    return s ? s->value : 0;
  }

 private:
  static std::vector<std::string> Args(const std::string& tree, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--path.rootfs=" + tree, "--path.procfs=" + tree + "/proc",
                                     "--path.sysfs=" + tree + "/sys"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  swarmscope::testing::ExporterHarness harness_;
};

/// The containers the golden files know: a swarm task with labels (kA) and another (kC).
/// A test on a copy of a fixture tree that it may change (removed afterwards).
class FixtureCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/cgroup-copy-" + std::to_string(::getpid());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Copy(const std::string& fixture) {
    std::filesystem::copy(
        kFixtures + "/" + fixture, root_,
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ + "/" + rel) << text;
  }

  std::string root_;
};

inline ContainerInfo Web() {
  ContainerInfo web;
  web.id = kA;
  web.name = "shop_web.1.k2j3h4g5f6d7s8a9";
  web.image = "nginx:1.25";
  web.labels = {{"com.docker.swarm.service.name", "shop_web"},
                {"com.docker.swarm.task.name", "shop_web.1.k2j3h4g5f6d7s8a9"},
                {"com.docker.stack.namespace", "shop"},
                {"not.exported", "x"}};
  return web;
}

inline void FillInventory(ContainerInventory& inventory) {
  inventory.Upsert(Web());
  ContainerInfo db = Web();
  db.id = kC;
  db.name = "shop_db.1.q1w2e3r4t5y6u7i8";
  db.image = "postgres:15";
  db.labels = {{"com.docker.swarm.service.name", "shop_db"}};
  inventory.Upsert(db);
}

// Wall-clock values (last seen, cgroup creation time in a fresh clone) become 0.

inline swarmscope::testing::Exposition Parse(const std::string& text) {
  std::string error;
  auto e = swarmscope::testing::ParseExposition(text, &error);
  EXPECT_TRUE(e) << error;
  return e ? *e : swarmscope::testing::Exposition{};
}

inline double Value(const swarmscope::testing::Exposition& e, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  const auto* s = swarmscope::testing::FindSample(e, name, labels);
  return s ? s->value : -1;
}

// Wall-clock values (last seen, cgroup creation time in a fresh clone) become 0.
inline std::string Normalize(const std::string& text) {
  static const std::regex kTimes(
      R"(^(container_last_seen|container_start_time_seconds)(\{[^}]*\}) .*$)",
      std::regex::multiline);
  return std::regex_replace(text, kTimes, "$1$2 0");
}

}  // namespace swarmscope::cgroup
