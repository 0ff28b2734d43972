#pragma once

// Parsers of the command outputs the cluster families come from. Each throws
// std::invalid_argument (with a short reason) on output it cannot use: garbage, truncated or
// oversized JSON, or JSON of the wrong shape. Missing optional members read as 0 / "".

#include <string_view>
#include <vector>

#include "exporters/ceph/cluster_model.h"

namespace swarmscope::ceph {

Health ParseHealth(std::string_view json);                        // health detail
Df ParseDf(std::string_view json);                                // df detail
std::vector<PoolRecovery> ParsePoolStats(std::string_view json);  // osd pool stats (mgr)
FsMap ParseFsDump(std::string_view json);                         // fs dump
/// `mon dump`, or `quorum_status` (its monmap and quorum).
MonMap ParseMonMap(std::string_view json);
MgrMap ParseMgrDump(std::string_view json);                // mgr dump
OsdMap ParseOsdDump(std::string_view json);                // osd dump
CrushClasses ParseCrushDump(std::string_view json);        // osd crush dump
std::vector<OsdPerf> ParseOsdPerf(std::string_view json);  // osd perf (mgr)
/// `pg dump pgs_brief pools` (mgr), read as a stream: 100k PGs never become a document in
/// memory. The PGs by pool and state, and each pool's repaired objects.
struct PgDump {
  PgStates pgs;
  PoolRepaired repaired;
};
PgDump ParsePgDump(std::string_view json);
/// The same, of `pg dump pgs_brief` or `pg dump pools` alone.
PgStates ParsePgsBrief(std::string_view json);
PoolRepaired ParsePgDumpPools(std::string_view json);

Status ParseStatus(std::string_view json);  // status
/// `osd metadata` / `mon metadata` / `mds metadata` / `mgr metadata`: keyed by "id" (osd)
/// or "name"; only the members the families use are kept while parsing.
DaemonInfos ParseMetadata(std::string_view json);
/// The module's `mgr/prometheus/health_history` (config-key get): name -> severity.
HealthHistory ParseHealthHistory(std::string_view json);

}  // namespace swarmscope::ceph
