#include "exporters/exporters.h"

namespace swarmscope {

std::vector<ExporterSpec> BuiltinExporters() {
  return {
      // One row per data source, e.g. CgroupExporterSpec(), added with its folder.
  };
}

}  // namespace swarmscope
