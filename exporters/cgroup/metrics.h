#pragma once

// The cgroup exporter's metric table: cAdvisor's names, types, units and labels, each
// family with the code that writes its samples from a cgroup's Stats.

#include <vector>

#include "collector/metric_writer.h"
#include "exporters/cgroup/stats.h"

namespace swarmscope::cgroup {

/// Writes one family's samples of one cgroup (`labels`: its id, name, image, ...).
using EmitFn = void (*)(FamilyWriter& family, const LabelSet& labels, const Stats& stats);

/// One row of the metric table. `emit` is null for container_last_seen, whose value is the
/// scrape's time rather than anything read.
struct MetricRow {
  MetricSpec spec;
  EmitFn emit;
};

/// The families in the order they are written (sorted by name, as cAdvisor writes them).
const std::vector<MetricRow>& MetricTable();

/// The cgroup exporter's families, in table order (for the docs and the naming tests).
std::vector<MetricSpec> CgroupMetricSpecs();

}  // namespace swarmscope::cgroup
