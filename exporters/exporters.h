#pragma once

#include <vector>

#include "collector/exporter.h"

namespace swarmscope {

/// The exporter table: every data source the daemon knows, in the order their metrics
/// appear. Adding a data source = a folder under exporters/ plus one row here.
std::vector<ExporterSpec> BuiltinExporters();

}  // namespace swarmscope
