#include "exporters/exporters.h"

#include "exporters/cgroup/cgroup_exporter.h"

namespace swarmscope {

std::vector<ExporterSpec> BuiltinExporters() {
  return {
      cgroup::CgroupExporterSpec(),
  };
}

}  // namespace swarmscope
