#pragma once

#include <vector>

#include "collector/exporter.h"

namespace swarmscope {

/// The exporter table: every data source this build has, in the order their metrics appear.
/// Generated from the exporters registered in exporters/CMakeLists.txt (one line each).
std::vector<ExporterSpec> BuiltinExporters();

}  // namespace swarmscope
