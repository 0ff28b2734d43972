#pragma once

// The keepalived exporter's families and their rendering. Names follow
// mehdy/keepalived-exporter where the same thing is measured (keepalived_vrrp_state and the
// dump counters, with its labels iname, intf, vrid, ip_address); what none of the existing
// exporters has is keepalived_vip_* (from rtnetlink) and keepalived_wire_* (from the adverts
// on the wire). Every series carries node_name; none has a label `state`, `instance` or
// `job`.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/metric_writer.h"
#include "exporters/keepalived/address_watcher.h"
#include "exporters/keepalived/dump_watcher.h"
#include "exporters/keepalived/wire_tracker.h"

namespace swarmscope::keepalived {

std::vector<MetricSpec> KeepalivedMetricSpecs();

struct KeepalivedView {
  std::string node_name;
  /// VIPs to report presence of: configured, advertised on the wire, or in the dumps.
  std::vector<std::string> vips;
  std::optional<std::multimap<std::string, LocalAddress>> addresses;  ///< when netlink runs
  std::optional<std::vector<VridView>> wire;                          ///< when the wire runs
  std::map<std::string, uint64_t> wire_errors;                        ///< by cause
  std::optional<DumpFiles> dumps;  ///< when --keepalived.dump-dir is set
  bool dumps_current = false;      ///< the data dump is younger than --keepalived.dump-max-age
  std::vector<int> vrids;          ///< only these VRIDs (empty: all)
};

void WriteKeepalived(const KeepalivedView& view, MetricWriter& out);

}  // namespace swarmscope::keepalived
