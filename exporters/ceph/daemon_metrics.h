#pragma once

// The renderer of the per-daemon side of the ceph exporter (daemon_counters.h): the
// daemons' performance counters with the names, types, labels and HELP the Pacific ceph-mgr
// `prometheus` module gives them (module.py collect() over mgr_module.py
// get_all_perf_counters()):
// - counters of priority >= 5 (PRIO_USEFUL) of mds, mon, osd, rbd-mirror, rgw and
//   tcmu-runner daemons; histograms are left out;
// - `ceph_` + the path "<logger>.<counter>" with `.`, `/`, whitespace and `::` made `_`,
//   `+` made `_plus`, a trailing `-` made `_minus`, other `-` made `_`;
// - the label ceph_daemon="osd.0" (rgw: instance_id="<name>"; rbd-mirror image counters
//   also get pool, namespace and image);
// - the type: gauge, or counter for counters and long-running averages; time values in
//   seconds; a long-running average is `<name>_sum` (HELP "<desc> Total") and
//   `<name>_count` (counter, HELP "<desc> Count");
// - `ceph_daemon_health_metrics{type="SLOW_OPS",ceph_daemon}` for mons and OSDs, counted
//   from the daemon's ops in flight as the daemon counts them for its reports to the mgr.
// Plus `swarmscope_ceph_daemon_socket_up{ceph_daemon}`.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collector/metric_writer.h"
#include "exporters/ceph/perf_parsers.h"

namespace swarmscope::ceph {

/// The mgr module's priority limit (mgr_module.py PRIO_USEFUL).
inline constexpr int kPrioUseful = 5;

/// One daemon as the renderer takes it.
struct DaemonData {
  std::string type;                    ///< "osd"
  std::string id;                      ///< "0"
  bool up = false;                     ///< its perf dump was read and parsed
  const PerfSchema* schema = nullptr;  ///< unset when not up
  const PerfDump* dump = nullptr;      ///< unset when not up
  std::optional<uint64_t> slow_ops;    ///< SLOW_OPS (mons and OSDs), when read
};

/// The names and HELP texts of the families a rendering writes: MetricSpec holds views, so
/// they must live as long as the MetricWriter looks at its families (until its Reset() or
/// TakeBuffer()). Reused across renderings, each text is stored once.
class FamilyTexts {
 public:
  std::string_view Intern(std::string_view text);
  size_t size() const { return texts_.size(); }
  /// Only when no MetricWriter still refers to the texts.
  void Clear() { texts_.clear(); }

 private:
  std::set<std::string, std::less<>> texts_;  // node-based: the views stay valid
};

/// Writes the daemons' families, family-major (all daemons' series of a family together),
/// with `base` first on every series. A family's HELP and type come from the first daemon
/// that has it, as in the mgr module. `texts` keeps the family names and HELPs (see above).
void WriteDaemonCounters(const std::vector<DaemonData>& daemons, const LabelSet& base,
                         MetricWriter& out, FamilyTexts& texts);

/// The families with fixed names (the others are named after the daemons' counters).
const std::vector<MetricSpec>& DaemonCounterSpecs();

}  // namespace swarmscope::ceph
