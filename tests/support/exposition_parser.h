#pragma once

// A strict parser of the text exposition format 0.0.4, for tests only: it lets tests
// compare expositions by meaning (families, label sets, values) rather than by bytes.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

struct Family {
  std::string help;
  std::string type;
  std::vector<Sample> samples;
};

struct Exposition {
  std::map<std::string, Family> families;  ///< by family name
  std::vector<std::string> order;          ///< family names as they appeared
};

/// Parses `text`; on malformed input returns nullopt and says why in `error`.
std::optional<Exposition> ParseExposition(std::string_view text, std::string* error = nullptr);

/// Finds one sample by metric name and a subset of its labels; nullptr if none matches.
const Sample* FindSample(const Exposition& e, std::string_view name,
                         const std::map<std::string, std::string>& labels = {});

/// The differences between two expositions by meaning: family order, HELP, TYPE, sample
/// names, label sets and values (NaN equals NaN; values within a relative 1e-12 are equal;
/// an `le` label compares as a number, "0.25" = "0.250000"). Empty when they agree.
std::vector<std::string> ExpositionDifferences(const Exposition& a, const Exposition& b);

}  // namespace swarmscope::testing
