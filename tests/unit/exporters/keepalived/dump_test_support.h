#pragma once

// What the dump parser tests share: where the fixtures are, reading them, the states.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporters/keepalived/dump_parsers.h"

namespace swarmscope::keepalived::dump_testing {

inline const std::string k227 =
    std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/keepalived-2.2.7/";
// ../shared as CMake found it (next to this tree or to the repository it was cloned from).
inline const std::string k135 = std::string(SWARMSCOPE_SHARED_DIR) + "/fixtures/keepalived-1.3.5/";
constexpr VrrpState M = VrrpState::kMaster, B = VrrpState::kBackup, F = VrrpState::kFault;
using Nodes = std::vector<std::optional<VrrpState>>;  // n1, n2, n3; nullopt: not running
constexpr int kPriorities[] = {150, 100, 50};

inline std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Node(const std::string& dir, size_t i, const char* kind) {
  return dir + "/n" + std::to_string(i + 1) + ".keepalived." + kind;
}

inline InstanceData One(const std::string& text) {
  DataDump d = ParseDataDump(text);
  EXPECT_EQ(d.instances.size(), 1u);
  return d.instances.empty() ? InstanceData{} : d.instances[0];
}

}  // namespace swarmscope::keepalived::dump_testing
