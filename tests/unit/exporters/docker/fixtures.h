#pragma once

// The docker exporter's fixtures: answers captured from a real dockerd 20.10 (API 1.41).

#include <fstream>
#include <sstream>
#include <string>

namespace swarmscope::docker {

inline std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(SWARMSCOPE_SOURCE_DIR) + "/tests/fixtures/docker/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace swarmscope::docker
