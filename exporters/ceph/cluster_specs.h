#pragma once

// The table of the cluster-wide families: the ceph-mgr prometheus module's names, types,
// help and labels, with the commands each comes from.

#include <array>
#include <string_view>
#include <vector>

#include "collector/metric_writer.h"

namespace swarmscope::ceph {

// The PG state names Ceph prints (osd_types.cc pg_state_string()), as the module lists them:
// each gets a ceph_pg_<state> family with a zero for every pool it does not apply to.
inline constexpr std::array<std::string_view, 34> kPgStates = {"active",
                                                               "clean",
                                                               "down",
                                                               "recovery_unfound",
                                                               "backfill_unfound",
                                                               "scrubbing",
                                                               "degraded",
                                                               "inconsistent",
                                                               "peering",
                                                               "repair",
                                                               "recovering",
                                                               "forced_recovery",
                                                               "backfill_wait",
                                                               "incomplete",
                                                               "stale",
                                                               "remapped",
                                                               "deep",
                                                               "backfilling",
                                                               "forced_backfill",
                                                               "backfill_toofull",
                                                               "recovery_wait",
                                                               "recovery_toofull",
                                                               "undersized",
                                                               "activating",
                                                               "peered",
                                                               "snaptrim",
                                                               "snaptrim_wait",
                                                               "snaptrim_error",
                                                               "creating",
                                                               "unknown",
                                                               "premerge",
                                                               "failed_repair",
                                                               "laggy",
                                                               "wait"};

inline constexpr std::array<std::string_view, 9> kOsdFlags = {
    "noup",        "nodown",    "noout",   "noin",        "nobackfill",
    "norebalance", "norecover", "noscrub", "nodeep-scrub"};

/// The family `name` of the table (std::out_of_range for another name: a bug).
const MetricSpec& ClusterSpec(std::string_view name);
/// Every cluster-wide family, for the docs and the naming tests.
const std::vector<MetricSpec>& ClusterMetricSpecs();

}  // namespace swarmscope::ceph
