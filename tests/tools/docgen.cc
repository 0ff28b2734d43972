// Regenerates the README's reference tables from the exporter table of this build: every
// flag (with its environment variable and default) and every exporter's metric table.
//
//   docgen --write README.md   rewrite the generated blocks (cmake --build build --target readme)
//   docgen --check README.md   exit 1 and say which block is stale (a ctest test)
//
// A block is the text between `<!-- BEGIN generated:KEY -->` and `<!-- END generated:KEY -->`;
// KEY is `flags` or `metrics:<collector>`. Every exporter must have its metrics block.

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "collector/config.h"
#include "exporters/exporters.h"

namespace {

using swarmscope::ExporterSpec;
using swarmscope::MetricSpec;

std::string Cell(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '|', '/');
  return out;
}

std::string MetricsMarkdown(const std::vector<MetricSpec>& metrics) {
  std::ostringstream out;
  out << "| metric | type | labels | meaning (source) |\n|---|---|---|---|\n";
  for (const auto& m : metrics) {
    std::string labels;
    for (const auto& label : swarmscope::ParseList(m.labels)) {
      labels += (labels.empty() ? "`" : ", `") + label + "`";
    }
    out << "| `" << m.name << "` | " << swarmscope::MetricTypeName(m.type) << " | " << labels
        << " | " << Cell(m.help) << " |\n";
  }
  return out.str();
}

struct Block {
  std::string body;
  std::string heading;  ///< for a block --write adds: the section it starts
};

std::map<std::string, Block> Blocks() {
  const std::vector<ExporterSpec> specs = swarmscope::BuiltinExporters();
  std::map<std::string, Block> blocks;
  blocks["flags"] = {swarmscope::FlagsMarkdown(swarmscope::FlagsOf(specs)), ""};
  for (const auto& spec : specs) {
    const auto& f = spec.flags;
    blocks["metrics:" + f.name] = {spec.metrics ? MetricsMarkdown(spec.metrics()) : "",
                                   "### " + f.name + " collector (`--collector." + f.name + "`, " +
                                       (f.enabled_by_default ? "on" : "off") + " by default)\n\n" +
                                       f.help + ".\n\n"};
  }
  return blocks;
}

// Where --write puts a block the README lacks: before this section.
constexpr std::string_view kNewBlocksBefore = "## Where things live";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "--write" && std::string(argv[1]) != "--check")) {
    std::cerr << "usage: docgen --write|--check README.md\n";
    return 2;
  }
  const bool write = std::string(argv[1]) == "--write";
  std::ifstream in(argv[2]);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string readme = buffer.str();
  if (readme.empty()) {
    std::cerr << "docgen: cannot read " << argv[2] << "\n";
    return 2;
  }
  std::string out = readme;
  int stale = 0;
  for (const auto& [key, block] : Blocks()) {
    const std::string& body = block.body;
    const std::string begin = "<!-- BEGIN generated:" + key + " -->\n";
    const std::string end = "<!-- END generated:" + key + " -->";
    const size_t b = out.find(begin);
    const size_t e = b == std::string::npos ? b : out.find(end, b);
    if (b == std::string::npos || e == std::string::npos) {
      ++stale;
      const size_t at = out.find(kNewBlocksBefore);
      if (!write || block.heading.empty() || at == std::string::npos) {
        std::cerr << "docgen: " << argv[2] << " has no block " << key << " (add "
                  << begin.substr(0, begin.size() - 1) << " ... " << end << ")\n";
        continue;
      }
      out.insert(at, block.heading + begin + body + end + "\n\n");
      continue;
    }
    const size_t from = b + begin.size();
    if (out.compare(from, e - from, body) != 0) {
      if (!write) {
        std::cerr << "docgen: the README's " << key
                  << " block is stale: run `cmake --build <build> --target readme`\n";
      }
      ++stale;
      out.replace(from, e - from, body);
    }
  }
  if (write) {
    if (out != readme) {
      std::ofstream(argv[2]) << out;
    }
    return 0;
  }
  return stale == 0 ? 0 : 1;
}
