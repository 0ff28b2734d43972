#pragma once

// The cgroup exporter: cAdvisor's per-container series from cgroups (v1, v2 or hybrid) and
// /proc. Its parts: layout.h (where the hierarchies are, watched for mount changes),
// cgroup_set.h (the cgroups reported, kept across scrapes), cgroup_reader.h and
// kept_files.h (the I/O), host_processes.h (each cgroup's processes when the procfs is of
// another pid namespace), cgroup_parsers.h and proc_parsers.h (pure parsers), taskstats.h
// (the kernel's task counts over netlink), metrics.h (the metric table).

#include <chrono>
#include <string>
#include <vector>

#include "collector/exporter.h"
#include "exporters/cgroup/metrics.h"

namespace swarmscope::cgroup {

/// The cgroup exporter's options (`--cgroup.<option>`).
struct CgroupOptions {
  std::vector<std::string> parents = {"/docker", "/system.slice"};
  std::vector<std::string> labels = ParseList(kDefaultSwarmLabels);
  bool timestamps = false;
  /// How old resource limits may get when no `docker update` says they changed (limits
  /// written without Docker); 0 reads them every scrape.
  std::chrono::milliseconds limits_refresh_interval = std::chrono::minutes(1);
  /// The `id` label of container series: "path" (the cgroup path, as cAdvisor writes it)
  /// or "docker" ("/docker/<full container id>" whatever the cgroup driver and parent).
  std::string id = "path";
};

/// The exporter table row for the cgroup exporter.
ExporterSpec CgroupExporterSpec();

}  // namespace swarmscope::cgroup
