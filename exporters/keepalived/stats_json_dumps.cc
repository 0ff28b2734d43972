// keepalived.stats and keepalived.json (whose `stats` objects carry the same counters), and
// what the three parsers share: the state codes and the VIP lines.

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "exporters/keepalived/dump_parsers.h"
#include "exporters/keepalived/dump_text.h"

namespace swarmscope::keepalived {
namespace {

using nlohmann::json;

using dump_text::Expect;
using dump_text::FirstWord;
using dump_text::Number;

// One counter: its keepalived.json name (= the InstanceStats field's), and its line in
// keepalived.stats: (indent-2 group header, label), the group "" for indent-2 counters.
// vrrp_print_stats() and the JSON omit the two auth counters in builds without VRRP auth.
struct Counter {
  const char* json_name;
  std::string_view group;
  std::string_view label;
  int64_t InstanceStats::*field;
  bool required;
};
constexpr Counter kCounters[] = {
    {"advert_rcvd", "Advertisements", "Received", &InstanceStats::advert_rcvd, true},
    {"advert_sent", "Advertisements", "Sent", &InstanceStats::advert_sent, true},
    {"become_master", "", "Became master", &InstanceStats::become_master, true},
    {"release_master", "", "Released master", &InstanceStats::release_master, true},
    {"packet_len_err", "Packet Errors", "Length", &InstanceStats::packet_len_err, true},
    {"ip_ttl_err", "Packet Errors", "TTL", &InstanceStats::ip_ttl_err, true},
    {"invalid_type_rcvd", "Packet Errors", "Invalid Type", &InstanceStats::invalid_type_rcvd, true},
    {"advert_interval_err", "Packet Errors", "Advertisement Interval",
     &InstanceStats::advert_interval_err, true},
    {"addr_list_err", "Packet Errors", "Address List", &InstanceStats::addr_list_err, true},
    {"invalid_authtype", "Authentication Errors", "Invalid Type", &InstanceStats::invalid_authtype,
     true},
    {"authtype_mismatch", "Authentication Errors", "Type Mismatch",
     &InstanceStats::authtype_mismatch, false},
    {"auth_failure", "Authentication Errors", "Failure", &InstanceStats::auth_failure, false},
    {"pri_zero_rcvd", "Priority Zero", "Received", &InstanceStats::pri_zero_rcvd, true},
    {"pri_zero_sent", "Priority Zero", "Sent", &InstanceStats::pri_zero_sent, true},
};

}  // namespace

std::string_view VrrpStateName(VrrpState s) {
  switch (s) {
    case VrrpState::kInit:
      return "INIT";
    case VrrpState::kBackup:
      return "BACKUP";
    case VrrpState::kMaster:
      return "MASTER";
    case VrrpState::kFault:
      return "FAULT";
    case VrrpState::kTransition:
      return "TRANSITION";
    case VrrpState::kStop:
      return "STOP";
    case VrrpState::kUnknown:
      break;
  }
  return "UNKNOWN";
}

VrrpState VrrpStateFromCode(int64_t code) {
  if (code >= 0 && code <= 4) {
    return static_cast<VrrpState>(code);
  }
  return code == 98 ? VrrpState::kStop : VrrpState::kUnknown;
}

VirtualIp ParseVirtualIp(std::string_view text) {
  const std::string_view word = FirstWord(text);
  const size_t slash = word.find('/');
  VirtualIp ip;
  ip.address = std::string(word.substr(0, slash));
  const bool v6 = ip.address.find(':') != std::string::npos;
  unsigned char addr[16];
  Expect(ip.address.find('\0') == std::string::npos &&
             inet_pton(v6 ? AF_INET6 : AF_INET, ip.address.c_str(), addr) == 1,
         "bad VIP address");
  ip.prefix = v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    const int prefix = Number<int>(word.substr(slash + 1), "bad VIP prefix");
    Expect(prefix >= 0 && prefix <= ip.prefix, "bad VIP prefix");
    ip.prefix = prefix;
  }
  // format_ipaddress(): "[brd B] dev D[@BASE] scope S [label L] [peer P] [flags...] [set]".
  std::string_view rest = text.substr(word.size());
  std::string_view prev;
  while (!rest.empty()) {
    rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
    const std::string_view w = FirstWord(rest);
    rest.remove_prefix(w.size());
    const bool is_argument = prev == "brd" || prev == "dev" || prev == "scope" || prev == "label" ||
                             prev == "peer" || prev == "track_group" || prev == "preferred_lft";
    if (prev == "dev") {
      ip.device = std::string(w.substr(0, w.find('@')));
    } else if (w == "set" && !is_argument) {
      ip.set = true;
    }
    prev = is_argument ? std::string_view() : w;
  }
  return ip;
}

std::vector<InstanceStats> ParseStatsDump(std::string_view text) {
  Expect(!text.empty(), "empty");
  Expect(text.starts_with("VRRP Instance: "), "stats: not a keepalived.stats");
  Expect(text.back() == '\n', "stats: cut short (no final newline)");
  std::vector<InstanceStats> out;
  uint32_t seen = 0;  // bit i: kCounters[i]
  std::string_view group;
  const auto end_instance = [&] {
    for (size_t i = 0; i < std::size(kCounters) && !out.empty(); ++i) {
      Expect(!kCounters[i].required || (seen & (1u << i)) != 0,
             "stats: cut short (an instance misses counters)");
    }
  };
  dump_text::ForEachLine(text, [&](size_t indent, std::string_view line) {
    if (indent == 0) {
      Expect(line.starts_with("VRRP Instance: ") && line.size() > 15, "stats: unexpected line");
      end_instance();
      out.emplace_back().name = std::string(line.substr(15));
      seen = 0;
      group = {};
      return;
    }
    const size_t colon = line.find(':');
    Expect((indent == 2 || indent == 4) && colon != std::string_view::npos,
           "stats: unexpected line");
    const std::string_view label = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
    if (indent == 2) {
      group = {};
      if (value.empty()) {
        group = label;
        return;
      }
    }
    const int64_t n = Number<int64_t>(value, "stats: bad counter");
    Expect(n >= 0, "stats: negative counter");
    for (size_t i = 0; i < std::size(kCounters); ++i) {
      if (kCounters[i].group == group && kCounters[i].label == label && (seen & (1u << i)) == 0) {
        out.back().*kCounters[i].field = n;
        seen |= 1u << i;
      }
    }
  });
  end_instance();
  return out;
}

namespace {

const json* Member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// object[key] if present; present with another type: throws.
std::optional<int64_t> Int(const json& object, const char* key) {
  const json* v = Member(object, key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (v->is_number_unsigned()) {
    const auto u = v->get<uint64_t>();
    Expect(u <= static_cast<uint64_t>(INT64_MAX), "json: number out of range");
    return static_cast<int64_t>(u);
  }
  Expect(v->is_number_integer(), "json: not an integer");
  return v->get<int64_t>();
}

std::optional<int> SmallInt(const json& object, const char* key) {
  const std::optional<int64_t> v = Int(object, key);
  Expect(!v || (*v >= INT_MIN && *v <= INT_MAX), "json: number out of range");
  return v ? std::optional(static_cast<int>(*v)) : std::nullopt;
}

std::optional<double> Real(const json& object, const char* key) {
  const json* v = Member(object, key);
  Expect(v == nullptr || v->is_number(), "json: not a number");
  return v ? std::optional(v->get<double>()) : std::nullopt;
}

std::optional<bool> Bool(const json& object, const char* key) {
  const json* v = Member(object, key);
  Expect(v == nullptr || v->is_boolean(), "json: not a boolean");
  return v ? std::optional(v->get<bool>()) : std::nullopt;
}

std::vector<std::string> Texts(const json& object, const char* key) {
  const json* v = Member(object, key);
  Expect(v == nullptr || v->is_array(), "json: not an array");
  std::vector<std::string> out;
  if (v == nullptr) {
    return out;
  }
  for (const json& s : *v) {
    Expect(s.is_string(), "json: not a string");
    out.push_back(s.get<std::string>());
  }
  return out;
}

JsonInstance InstanceOf(const json& element) {
  Expect(element.is_object(), "json: an element is not an object");
  const json* data = Member(element, "data");
  const json* stats = Member(element, "stats");
  Expect(data != nullptr && data->is_object(), "json: an element without data");
  Expect(stats != nullptr && stats->is_object(), "json: an element without stats");
  JsonInstance out;
  InstanceData& d = out.data;
  const json* name = Member(*data, "iname");
  Expect(name != nullptr && name->is_string() && !name->get_ref<const std::string&>().empty(),
         "json: an instance without iname");
  d.name = name->get<std::string>();
  const std::optional<int64_t> state = Int(*data, "state");
  Expect(state.has_value(), "json: an instance without state");
  d.state = VrrpStateFromCode(*state);
  if (const std::optional<int64_t> want = Int(*data, "wantstate")) {
    d.wantstate = VrrpStateFromCode(*want);
  }
  if (const json* ifname = Member(*data, "ifp_ifname")) {
    Expect(ifname->is_string(), "json: not a string");
    d.interface = ifname->get<std::string>();
  }
  d.vrid = SmallInt(*data, "vrid").value_or(0);
  d.version = SmallInt(*data, "version").value_or(2);
  d.base_priority = SmallInt(*data, "base_priority").value_or(0);
  d.effective_priority = SmallInt(*data, "effective_priority");
  // The last master priority accepted, 0 or stale on a MASTER (README): BACKUP only.
  const std::optional<int> master_priority = SmallInt(*data, "master_priority");
  if (d.state == VrrpState::kBackup) {
    d.master_priority = master_priority;
  }
  d.last_transition = Real(*data, "last_transition");
  d.advert_interval_seconds = Real(*data, "adver_int").value_or(0);  // seconds in v3 too
  d.preempt = !Bool(*data, "nopreempt").value_or(false);
  d.garp_delay_seconds = Real(*data, "garp_delay");
  for (const std::string& vip : Texts(*data, "vips")) {
    d.vips.push_back(ParseVirtualIp(vip));
  }
  for (const std::string& vip : Texts(*data, "evips")) {
    d.excluded_vips.push_back(ParseVirtualIp(vip));
  }
  d.tracked_interfaces = Texts(*data, "track_ifp");
  out.vipset = Bool(*data, "vipset").value_or(false);
  // Never read: `auth_data` (the password), `track_script` (commands, not names).
  out.stats.name = d.name;
  for (const Counter& c : kCounters) {
    const std::optional<int64_t> n = Int(*stats, c.json_name);
    Expect(n.has_value() || !c.required, "json: stats miss a counter");
    Expect(n.value_or(0) >= 0, "json: negative counter");
    out.stats.*c.field = n.value_or(0);
  }
  return out;
}

}  // namespace

std::vector<JsonInstance> ParseJsonDump(std::string_view text) {
  Expect(!text.empty(), "empty");
  try {
    const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    Expect(!j.is_discarded(), "json: not valid JSON (cut short?)");
    Expect(j.is_array(), "json: not an array");
    std::vector<JsonInstance> out;
    for (const json& element : j) {
      out.push_back(InstanceOf(element));
    }
    return out;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("json: ") + e.what());
  }
}

}  // namespace swarmscope::keepalived
