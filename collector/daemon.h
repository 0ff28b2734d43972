#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "collector/config.h"
#include "collector/exporter.h"

namespace swarmscope {

/// Runs the daemon until SIGTERM or SIGINT: creates the enabled exporters, serves HTTP and
/// drains in-flight responses on the signal. `on_ready` is called with the bound port once
/// the server accepts connections. Returns the process exit code.
int RunDaemon(const Config& config, const std::vector<ExporterSpec>& specs,
              const std::function<void(uint16_t port)>& on_ready = {});

}  // namespace swarmscope
