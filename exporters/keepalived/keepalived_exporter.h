#pragma once

#include "collector/exporter.h"

namespace swarmscope::keepalived {

/// The keepalived exporter (exporters/keepalived/README section in the top README).
ExporterSpec KeepalivedExporterSpec();

}  // namespace swarmscope::keepalived
