#pragma once

// The cluster-wide families, with the ceph-mgr prometheus module's names, types and labels.

#include <vector>

#include "collector/metric_writer.h"
#include "exporters/ceph/cluster_model.h"
#include "exporters/ceph/cluster_specs.h"

namespace swarmscope::ceph {

/// Writes `data` with `base` (the `cluster` label, or nothing) on every series. Parts that
/// are unset are left out.
void WriteCluster(const ClusterData& data, const LabelSet& base, MetricWriter& out);

}  // namespace swarmscope::ceph
