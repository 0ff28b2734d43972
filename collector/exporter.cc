#include "collector/exporter.h"

namespace swarmscope {

std::vector<CollectorFlags> FlagsOf(const std::vector<ExporterSpec>& specs) {
  std::vector<CollectorFlags> flags;
  flags.reserve(specs.size());
  for (const auto& spec : specs) {
    flags.push_back(spec.flags);
  }
  return flags;
}

}  // namespace swarmscope
