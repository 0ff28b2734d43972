#include "exporters/keepalived/keepalived_metrics.h"

#include <algorithm>
#include <chrono>

namespace swarmscope::keepalived {
namespace {

// --- from keepalived's dumps (mehdy/keepalived-exporter's names) ---
constexpr MetricSpec kUp{"keepalived_up", MetricType::kGauge,
                         "1 while keepalived's dumps in --keepalived.dump-dir are current (the "
                         "data dump younger than --keepalived.dump-max-age), else 0.",
                         "node_name"};
constexpr MetricSpec kState{
    "keepalived_vrrp_state", MetricType::kGauge,
    "The VRRP instance's state as keepalived reports it: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, "
    "4 a transition (1.3.5's `State = 4`), one series per virtual IP (keepalived.data/json).",
    "node_name, iname, intf, vrid, ip_address"};
constexpr MetricSpec kPriority{"keepalived_vrrp_priority", MetricType::kGauge,
                               "The instance's configured (base) priority.",
                               "node_name, iname, intf, vrid"};
constexpr MetricSpec kEffectivePriority{
    "keepalived_vrrp_effective_priority", MetricType::kGauge,
    "The instance's priority after tracked scripts and interfaces (2.x dumps).",
    "node_name, iname, intf, vrid"};
constexpr MetricSpec kLastTransition{
    "keepalived_vrrp_last_transition_timestamp_seconds", MetricType::kGauge,
    "When the instance last changed state, unix seconds.", "node_name, iname, intf, vrid"};
constexpr MetricSpec kDumpMaster{
    "keepalived_vrrp_master_info", MetricType::kGauge,
    "1 for the master a BACKUP instance last accepted adverts from (keepalived.data; not "
    "always current: the wire's keepalived_wire_master_info is).",
    "node_name, iname, intf, vrid, master_ip"};
constexpr MetricSpec kExcludedState{
    "keepalived_vrrp_excluded_state", MetricType::kGauge,
    "The instance's state code (as keepalived_vrrp_state), one series per excluded virtual IP "
    "(`virtual_ipaddress_excluded`).",
    "node_name, iname, intf, vrid, ip_address"};
constexpr MetricSpec kGarpDelay{
    "keepalived_gratuitous_arp_delay_total", MetricType::kCounter,
    "The instance's gratuitous ARP delay, seconds (a setting; a counter in mehdy/"
    "keepalived-exporter, kept so for its dashboards).",
    "node_name, iname, intf, vrid"};
constexpr MetricSpec kScriptStatus{"keepalived_script_status", MetricType::kGauge,
                                   "1 if the tracked script's last result is good, else 0.",
                                   "node_name, name"};
constexpr MetricSpec kScriptState{
    "keepalived_script_state", MetricType::kGauge,
    "The tracked script's run state: 0 idle, 1 running, 2 requested termination, 3 forcing "
    "termination (2.x keepalived.data).",
    "node_name, name"};
constexpr MetricSpec kDumpAge{"keepalived_dump_timestamp_seconds", MetricType::kGauge,
                              "When keepalived wrote the dump in use, unix seconds.",
                              "node_name, file"};

struct StatCounter {
  MetricSpec spec;
  int64_t InstanceStats::*field;
};
#define KA_COUNTER(name, help, field)                                             \
  StatCounter {                                                                   \
    MetricSpec{name, MetricType::kCounter, help, "node_name, iname, intf, vrid"}, \
        &InstanceStats::field                                                     \
  }
const StatCounter kCounters[] = {
    KA_COUNTER("keepalived_advertisements_received_total", "Adverts received.", advert_rcvd),
    KA_COUNTER("keepalived_advertisements_sent_total", "Adverts sent.", advert_sent),
    KA_COUNTER("keepalived_become_master_total", "Times the instance became master.",
               become_master),
    KA_COUNTER("keepalived_release_master_total", "Times the instance released master.",
               release_master),
    KA_COUNTER("keepalived_packet_length_errors_total", "Adverts of a wrong length.",
               packet_len_err),
    KA_COUNTER("keepalived_advertisements_interval_errors_total",
               "Adverts whose interval differs from the instance's.", advert_interval_err),
    KA_COUNTER("keepalived_ip_ttl_errors_total", "Adverts with a TTL other than 255.", ip_ttl_err),
    KA_COUNTER("keepalived_invalid_type_received_total", "Packets of a type other than ADVERT.",
               invalid_type_rcvd),
    KA_COUNTER("keepalived_address_list_errors_total",
               "Adverts whose address list differs from the instance's.", addr_list_err),
    KA_COUNTER("keepalived_authentication_invalid_total", "Adverts with an unknown auth type.",
               invalid_authtype),
    KA_COUNTER("keepalived_authentication_mismatch_total",
               "Adverts with another auth type than the instance's.", authtype_mismatch),
    KA_COUNTER("keepalived_authentication_failure_total", "Adverts that failed authentication.",
               auth_failure),
    KA_COUNTER("keepalived_priority_zero_received_total",
               "Priority-0 adverts received (a master leaving).", pri_zero_rcvd),
    KA_COUNTER("keepalived_priority_zero_sent_total", "Priority-0 adverts sent.", pri_zero_sent),
};
#undef KA_COUNTER

// --- VIP presence, from rtnetlink ---
constexpr MetricSpec kVipPresent{
    "keepalived_vip_present", MetricType::kGauge,
    "1 while the virtual IP is on one of this node's interfaces (rtnetlink), else 0. Summed "
    "over the nodes: 1 is healthy, 0 no holder, 2 or more a split brain or a killed holder.",
    "node_name, vip"};
constexpr MetricSpec kVipInterface{"keepalived_vip_interface_info", MetricType::kGauge,
                                   "1 for the interface that holds the virtual IP on this node.",
                                   "node_name, vip, intf"};

// --- from the adverts on the wire ---
constexpr const char* kWireLabels = "node_name, intf, vrid";
constexpr MetricSpec kWireMaster{
    "keepalived_wire_master", MetricType::kGauge,
    "1 while this node sends the VRID's adverts (its own outgoing adverts are current), else 0.",
    kWireLabels};
constexpr MetricSpec kWireMasters{
    "keepalived_wire_masters", MetricType::kGauge,
    "Sources whose adverts for the VRID are current as seen here: 1 is healthy, 0 no master, "
    "2 or more two masters.",
    kWireLabels};
constexpr MetricSpec kWireSplit{
    "keepalived_wire_split_brain", MetricType::kGauge,
    "1 while two sources' adverts interleave on this link (both act as master), else 0.",
    kWireLabels};
constexpr MetricSpec kWireNoMaster{"keepalived_wire_no_master", MetricType::kGauge,
                                   "1 while no source's adverts for a VRID seen before are "
                                   "current (nobody is master), else 0.",
                                   kWireLabels};
constexpr MetricSpec kWireMasterInfo{
    "keepalived_wire_master_info", MetricType::kGauge,
    "1 for the VRID's master as the wire shows it: the current source of highest priority.",
    "node_name, intf, vrid, master_ip"};
constexpr MetricSpec kWireMasterPriority{"keepalived_wire_master_priority", MetricType::kGauge,
                                         "The priority the VRID's master advertises.", kWireLabels};
constexpr MetricSpec kWireChanges{"keepalived_wire_master_changes_total", MetricType::kCounter,
                                  "Times the VRID's master became another source (failovers, "
                                  "preemptions) since swarmscope started.",
                                  kWireLabels};
constexpr MetricSpec kWirePriorityZero{"keepalived_wire_priority_zero_total", MetricType::kCounter,
                                       "Priority-0 adverts seen (a master leaving gracefully).",
                                       kWireLabels};
constexpr const char* kSourceLabels = "node_name, intf, vrid, source";
constexpr MetricSpec kWireAdverts{"keepalived_wire_adverts_total", MetricType::kCounter,
                                  "Adverts seen from the source (unicast: one per peer).",
                                  kSourceLabels};
constexpr MetricSpec kWireSourcePriority{"keepalived_wire_advert_priority", MetricType::kGauge,
                                         "The priority in the source's last advert.",
                                         kSourceLabels};
constexpr MetricSpec kWireInterval{"keepalived_wire_advert_interval_seconds", MetricType::kGauge,
                                   "The advert interval the source announces.", kSourceLabels};
constexpr MetricSpec kWireLast{"keepalived_wire_last_advert_timestamp_seconds", MetricType::kGauge,
                               "When the source's last advert was seen, unix seconds.",
                               kSourceLabels};
constexpr MetricSpec kWireErrors{"keepalived_wire_packet_errors_total", MetricType::kCounter,
                                 "VRRP packets seen that are not valid adverts, by cause.",
                                 "node_name, cause"};

// keepalived's script run states, by the codes mehdy/keepalived-exporter exports; -1 unknown.
int ScriptStateCode(const std::optional<std::string>& state) {
  if (!state) {
    return -1;
  }
  static const char* const kStates[] = {"idle", "running", "requested termination",
                                        "forcing termination"};
  for (int i = 0; i < 4; ++i) {
    if (*state == kStates[i]) {
      return i;
    }
  }
  return -1;
}

double Unix(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

bool Wanted(const KeepalivedView& view, int vrid) {
  return view.vrids.empty() ||
         std::find(view.vrids.begin(), view.vrids.end(), vrid) != view.vrids.end();
}

// The instances as the dumps describe them: the data dump, else the JSON's data.
std::vector<InstanceData> Instances(const DumpFiles& d) {
  if (d.data) {
    return d.data->instances;
  }
  std::vector<InstanceData> out;
  if (d.json) {
    for (const auto& j : *d.json) {
      out.push_back(j.data);
    }
  }
  return out;
}

void WriteDumps(const KeepalivedView& view, const LabelSet& node, MetricWriter& out) {
  out.Family(kUp).Add(node, view.dumps_current ? 1 : 0);
  if (!view.dumps) {
    return;
  }
  const DumpFiles& d = *view.dumps;
  auto& age = out.Family(kDumpAge);
  if (d.data) {
    age.Add(node, "file", "keepalived.data", Unix(d.data_time));
  }
  if (d.stats) {
    age.Add(node, "file", "keepalived.stats", Unix(d.stats_time));
  }
  if (d.json) {
    age.Add(node, "file", "keepalived.json", Unix(d.json_time));
  }
  const std::vector<InstanceData> instances = Instances(d);
  std::map<std::string, LabelSet> by_name;
  for (const auto& i : instances) {
    if (!Wanted(view, i.vrid)) {
      continue;
    }
    LabelSet l = node;
    l.Add("iname", i.name).Add("intf", i.interface).Add("vrid", std::to_string(i.vrid));
    by_name.emplace(i.name, l);
  }
  auto& state = out.Family(kState);
  for (const auto& i : instances) {
    if (!by_name.contains(i.name)) {
      continue;
    }
    const int code = static_cast<int>(i.state);
    for (const auto& vip : i.vips) {
      state.Add(by_name[i.name], "ip_address", vip.address + "/" + std::to_string(vip.prefix),
                code);
    }
    if (i.vips.empty()) {
      state.Add(by_name[i.name], "ip_address", "", code);
    }
  }
  auto& excluded = out.Family(kExcludedState);
  for (const auto& i : instances) {
    if (by_name.contains(i.name)) {
      for (const auto& vip : i.excluded_vips) {
        excluded.Add(by_name[i.name], "ip_address", vip.address + "/" + std::to_string(vip.prefix),
                     static_cast<int>(i.state));
      }
    }
  }
  auto& garp = out.Family(kGarpDelay);
  for (const auto& i : instances) {
    if (by_name.contains(i.name) && i.garp_delay_seconds) {
      garp.Add(by_name[i.name], *i.garp_delay_seconds);
    }
  }
  auto& priority = out.Family(kPriority);
  for (const auto& i : instances) {
    if (by_name.contains(i.name)) {
      priority.Add(by_name[i.name], i.base_priority);
    }
  }
  auto& effective = out.Family(kEffectivePriority);
  for (const auto& i : instances) {
    if (by_name.contains(i.name) && i.effective_priority) {
      effective.Add(by_name[i.name], *i.effective_priority);
    }
  }
  auto& transition = out.Family(kLastTransition);
  for (const auto& i : instances) {
    if (by_name.contains(i.name) && i.last_transition) {
      transition.Add(by_name[i.name], *i.last_transition);
    }
  }
  auto& master = out.Family(kDumpMaster);
  for (const auto& i : instances) {
    if (by_name.contains(i.name) && i.master_router) {
      master.Add(by_name[i.name], "master_ip", *i.master_router, 1);
    }
  }
  // Counters: the stats file, else the JSON's stats.
  std::vector<InstanceStats> stats;
  if (d.stats) {
    stats = *d.stats;
  } else if (d.json) {
    for (const auto& j : *d.json) {
      stats.push_back(j.stats);
    }
  }
  for (const auto& c : kCounters) {
    auto& f = out.Family(c.spec);
    for (const auto& s : stats) {
      auto it = by_name.find(s.name);
      if (it != by_name.end()) {
        f.Add(it->second, s.*(c.field));
      }
    }
  }
  if (d.data) {
    auto& scripts = out.Family(kScriptStatus);
    for (const auto& s : d.data->scripts) {
      if (s.good) {
        scripts.Add(node, "name", s.name, *s.good ? 1 : 0);
      }
    }
    auto& script_state = out.Family(kScriptState);
    for (const auto& s : d.data->scripts) {
      const int code = ScriptStateCode(s.state);
      if (code >= 0) {
        script_state.Add(node, "name", s.name, code);
      }
    }
  }
}

void WriteVips(const KeepalivedView& view, const LabelSet& node, MetricWriter& out) {
  if (!view.addresses) {
    return;
  }
  auto& present = out.Family(kVipPresent);
  for (const auto& vip : view.vips) {
    present.Add(node, "vip", vip, view.addresses->contains(vip) ? 1 : 0);
  }
  auto& where = out.Family(kVipInterface);
  for (const auto& vip : view.vips) {
    auto [lo, hi] = view.addresses->equal_range(vip);
    for (auto it = lo; it != hi; ++it) {
      LabelSet l = node;
      l.Add("vip", vip);
      where.Add(l, "intf", it->second.interface, 1);
    }
  }
}

void WriteWire(const KeepalivedView& view, const LabelSet& node, MetricWriter& out) {
  if (!view.wire) {
    return;
  }
  std::vector<std::pair<LabelSet, const VridView*>> vrids;
  for (const auto& v : *view.wire) {
    if (Wanted(view, v.vrid)) {
      LabelSet l = node;
      l.Add("intf", v.interface).Add("vrid", std::to_string(v.vrid));
      vrids.emplace_back(std::move(l), &v);
    }
  }
  auto each = [&](const MetricSpec& spec, auto&& value) {
    auto& f = out.Family(spec);
    for (const auto& [l, v] : vrids) {
      f.Add(l, value(*v));
    }
  };
  each(kWireMaster, [](const VridView& v) { return v.this_node_master ? 1 : 0; });
  each(kWireMasters, [](const VridView& v) { return v.current_masters; });
  each(kWireSplit, [](const VridView& v) { return v.split_brain ? 1 : 0; });
  each(kWireNoMaster, [](const VridView& v) { return v.current_masters == 0 ? 1 : 0; });
  auto& info = out.Family(kWireMasterInfo);
  for (const auto& [l, v] : vrids) {
    if (v->master) {
      info.Add(l, "master_ip", *v->master, 1);
    }
  }
  auto& mp = out.Family(kWireMasterPriority);
  for (const auto& [l, v] : vrids) {
    if (v->master) {
      mp.Add(l, v->master_priority);
    }
  }
  each(kWireChanges, [](const VridView& v) { return v.master_changes; });
  each(kWirePriorityZero, [](const VridView& v) { return v.priority_zero; });
  auto per_source = [&](const MetricSpec& spec, auto&& value) {
    auto& f = out.Family(spec);
    for (const auto& [l, v] : vrids) {
      for (const auto& s : v->sources) {
        f.Add(l, "source", s.address, value(s));
      }
    }
  };
  per_source(kWireAdverts, [](const SourceView& s) { return s.adverts; });
  per_source(kWireSourcePriority, [](const SourceView& s) { return s.priority; });
  per_source(kWireInterval, [](const SourceView& s) { return s.interval_seconds; });
  per_source(kWireLast, [](const SourceView& s) { return Unix(s.last_wall); });
  auto& errors = out.Family(kWireErrors);
  for (const auto& [cause, n] : view.wire_errors) {
    errors.Add(node, "cause", cause, n);
  }
}

}  // namespace

std::vector<MetricSpec> KeepalivedMetricSpecs() {
  std::vector<MetricSpec> specs = {kUp,
                                   kState,
                                   kExcludedState,
                                   kGarpDelay,
                                   kPriority,
                                   kEffectivePriority,
                                   kLastTransition,
                                   kDumpMaster};
  for (const auto& c : kCounters) {
    specs.push_back(c.spec);
  }
  for (const auto& s : {kScriptStatus, kScriptState, kDumpAge, kVipPresent, kVipInterface,
                        kWireMaster, kWireMasters, kWireSplit, kWireNoMaster, kWireMasterInfo,
                        kWireMasterPriority, kWireChanges, kWirePriorityZero, kWireAdverts,
                        kWireSourcePriority, kWireInterval, kWireLast, kWireErrors}) {
    specs.push_back(s);
  }
  return specs;
}

void WriteKeepalived(const KeepalivedView& view, MetricWriter& out) {
  LabelSet node;
  node.Add("node_name", view.node_name);
  if (view.dumps) {
    WriteDumps(view, node, out);
  }
  WriteVips(view, node, out);
  WriteWire(view, node, out);
}

}  // namespace swarmscope::keepalived
