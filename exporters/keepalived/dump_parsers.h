#pragma once

// keepalived's own dumps: keepalived.data (DATA signal / SIGUSR1), keepalived.stats
// (STATS / SIGUSR2) and keepalived.json (JSON, 2.x built with JSON), in the layouts of
// 1.3.5 (osixia/keepalived:1.3.5) and 2.2.x (Debian 12's 2.2.7). The fixtures and their
// quirks: tests/fixtures/keepalived-2.2.7/README.md, ../shared/fixtures/keepalived-1.3.5.
//
// Every parser throws std::invalid_argument (with a short reason) on input that is not a
// complete dump of its kind — empty, garbage, cut short, an instance without its name or
// state — and never crashes on any input. What a dump does not say stays unset.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarmscope::keepalived {

/// The VRRP instance states with keepalived's own codes (as in keepalived.json and
/// mehdy/keepalived-exporter's keepalived_vrrp_state): 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.
/// 1.3.5 prints `State = 4` ("going to master") for about one advert interval during a
/// transition: kTransition, code 4 — accepted, never an error.
enum class VrrpState {
  kInit = 0,
  kBackup = 1,
  kMaster = 2,
  kFault = 3,
  kTransition = 4,
  kStop = 98,
  kUnknown = -1
};
/// "INIT", "BACKUP", "MASTER", "FAULT", "TRANSITION", "STOP", "UNKNOWN".
std::string_view VrrpStateName(VrrpState s);
/// A numeric state (keepalived.json's `state`/`wantstate`, 1.3.5's `State = 4`): 0-4 as
/// above, 98 kStop (2.x's STOP), anything else kUnknown.
VrrpState VrrpStateFromCode(int64_t code);

struct VirtualIp {
  std::string address;  ///< "198.51.100.100" (no prefix)
  int prefix = 32;      ///< "/24"; not printed for /32 (IPv4) and /128 (IPv6), the defaults
  std::string device;   ///< "dev eth0" (a VMAC's "vrrp.51@eth0": "vrrp.51"), empty if absent
  bool set = false;     ///< 2.2.x's " set" flag: installed on this node now (never in 1.3.5)
};
/// One VIP as keepalived prints it, in keepalived.data and in keepalived.json's `vips`:
/// "198.51.100.100/24 dev eth0 scope global set". Throws std::invalid_argument when the text
/// does not start with an IPv4/IPv6 address (and an optional valid prefix).
VirtualIp ParseVirtualIp(std::string_view text);

struct TrackedScriptRef {
  std::string name;  ///< "chk_track"
  int weight = 0;
};

struct InstanceData {
  std::string name;  ///< `VRRP Instance = VI_1`
  VrrpState state = VrrpState::kUnknown;
  std::optional<VrrpState> wantstate;  ///< 2.2.x `Wantstate`
  std::string interface;  ///< 2.2.x `Interface = eth0`, 1.3.5 `Listening device = eth0`,
                          ///< JSON `ifp_ifname`; empty for 2.x's "not configured"
  int vrid = 0;
  int version = 2;                        ///< `VRRP Version` (1.3.5: at indent 1, 2.2.x: indent 3)
  int base_priority = 0;                  ///< `Priority`
  std::optional<int> effective_priority;  ///< 2.2.x only
  std::optional<std::string> master_router;       ///< BACKUP only, not always current
  std::optional<int> master_priority;             ///< BACKUP only, not always current (JSON:
                                                  ///< kept only when `state` is BACKUP too)
  std::optional<double> last_transition;          ///< unix seconds (2.2.x has microseconds)
  double advert_interval_seconds = 0;             ///< `1 sec` or `1000 milli-sec`
  bool preempt = true;                            ///< `Preempt = enabled|disabled` / nopreempt
  std::optional<double> garp_delay_seconds;       ///< `Gratuitous ARP delay = 5` (JSON
                                                  ///< `garp_delay`); mehdy's
                                                  ///< keepalived_gratuitous_arp_delay_total
  std::vector<VirtualIp> vips;                    ///< `Virtual IP (1):` / 1.3.5 `Virtual IP = 1`
  std::vector<VirtualIp> excluded_vips;           ///< `Virtual IP Excluded`, JSON `evips`
  std::vector<TrackedScriptRef> tracked_scripts;  ///< text dumps only (the JSON's
                                                  ///< `track_script` lists commands)
  std::vector<std::string> tracked_interfaces;    ///< 1.3.5's `------< NIC >------` blocks'
                                                  ///< `Name`, 2.2.x `Tracked interfaces :`
                                                  ///< entries, JSON `track_ifp`
  std::vector<std::string> unicast_peers;         ///< 2.2.x `Unicast Peer :` lines' addresses
                                                  ///< (1.3.5's dump and the JSON do not list them)
  std::optional<int64_t> fault_count;  ///< 2.2.x `Number of interface and track script faults`
  std::optional<int64_t> config_fault_count;  ///< 2.2.x `Number of config faults`
  // Never kept: authentication passwords (`Password = ...` in keepalived.data, `auth_data`
  // in keepalived.json).
};

struct ScriptData {
  std::string name;                  ///< `VRRP Script = chk_track` (2.2.x `VRRP Scripts` section,
                                     ///< 1.3.5 inline in the instance)
  std::optional<bool> good;          ///< `Status = GOOD|BAD` (1.3.5: `Status = GOOD` too; its
                                     ///< INIT, INIT/GOOD, INIT/FAILED, DISABLED leave it unset)
  std::optional<int> result;         ///< `Result = 1` (2.2.x)
  std::optional<std::string> state;  ///< 2.2.x `State = idle|running|requested termination|
                                     ///< forcing termination` (mehdy's keepalived_script_state)
};

struct DataDump {
  std::vector<InstanceData> instances;
  std::vector<ScriptData> scripts;
};
/// Complete means: the text ends with a newline; every instance has its name, State,
/// interface, VRID, Priority, Advert interval and Preempt lines; 2.x: the `Interfaces`
/// section (the last one) has a `Name =` entry; 1.3.5 (no end marker): every counted list
/// (`Virtual IP = N`, `Tracked interfaces = N` NIC blocks, `Tracked scripts = N` script
/// blocks) has its N entries, each NIC/script block its last line. A 1.3.5 file cut exactly
/// at a line end between two instances (or between an instance's lists) cannot be told from
/// a complete one: compare the instance names with ParseStatsDump's.
DataDump ParseDataDump(std::string_view text);

/// One `VRRP Instance: NAME` block of keepalived.stats (same in 1.3.5 and 2.2.x). A build
/// without VRRP auth omits `Type Mismatch` and `Failure` (then 0); every other counter is
/// required.
struct InstanceStats {
  std::string name;
  int64_t advert_rcvd = 0;
  int64_t advert_sent = 0;
  int64_t become_master = 0;
  int64_t release_master = 0;
  int64_t packet_len_err = 0;
  int64_t advert_interval_err = 0;
  int64_t ip_ttl_err = 0;
  int64_t invalid_type_rcvd = 0;
  int64_t addr_list_err = 0;
  int64_t invalid_authtype = 0;
  int64_t authtype_mismatch = 0;
  int64_t auth_failure = 0;
  int64_t pri_zero_rcvd = 0;
  int64_t pri_zero_sent = 0;
};
/// Complete means: ends with a newline, every block has its counters. A file cut exactly
/// between two blocks looks complete, one instance short.
std::vector<InstanceStats> ParseStatsDump(std::string_view text);

/// One element of keepalived.json (2.x): its `data` and `stats` objects.
struct JsonInstance {
  InstanceData data;    ///< name, state (number), wantstate, interface, vrid, version,
                        ///< base/effective priority, master_priority (BACKUP only),
                        ///< last_transition, vips, excluded_vips, advert interval, preempt
                        ///< (`nopreempt`), garp delay, tracked_interfaces
  bool vipset = false;  ///< `vipset`
  InstanceStats stats;  ///< the `stats` object's counters, under the stats file's names
};
std::vector<JsonInstance> ParseJsonDump(std::string_view text);

}  // namespace swarmscope::keepalived
