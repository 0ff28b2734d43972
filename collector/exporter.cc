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

std::vector<NamedExporter> CreateEnabled(const std::vector<ExporterSpec>& specs,
                                         ExporterDeps& deps) {
  std::vector<NamedExporter> out;
  for (const auto& spec : specs) {
    if (deps.config.CollectorEnabled(spec.flags.name)) {
      out.push_back({spec.flags.name, spec.create(deps)});
    }
  }
  return out;
}

}  // namespace swarmscope
