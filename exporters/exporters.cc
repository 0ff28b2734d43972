#include "exporters/exporters.h"

#include "exporters/cgroup/cgroup_exporter.h"
#include "exporters/docker/docker_exporter.h"

namespace swarmscope {

std::vector<ExporterSpec> BuiltinExporters() {
  return {
      cgroup::CgroupExporterSpec(),
      docker::DockerExporterSpec(),
  };
}

}  // namespace swarmscope
