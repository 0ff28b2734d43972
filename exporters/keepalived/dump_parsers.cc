// keepalived.data: the 1.3.5 and 2.2.x layouts (tests/fixtures/keepalived-2.2.7/README.md).

#include "exporters/keepalived/dump_parsers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "exporters/keepalived/dump_text.h"

namespace swarmscope::keepalived {
namespace {

using dump_text::Expect;
using dump_text::Fail;
using dump_text::FirstWord;
using dump_text::Number;
using dump_text::ToNumber;

// "key = value" at the start of an indented line's text; nullopt without " = ".
std::optional<std::pair<std::string_view, std::string_view>> KeyValue(std::string_view text) {
  const size_t eq = text.find(" = ");
  if (eq == std::string_view::npos) {
    return std::nullopt;
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 3)};
}

// `State = MASTER` (2.2.x prints "unknown" for STOP/DELETED, 1.3.5 a number for the others).
VrrpState StateOf(std::string_view v) {
  Expect(!v.empty(), "data: empty State");
  if (v == "MASTER") {
    return VrrpState::kMaster;
  }
  if (v == "BACKUP") {
    return VrrpState::kBackup;
  }
  if (v == "FAULT") {
    return VrrpState::kFault;
  }
  if (v == "INIT") {
    return VrrpState::kInit;
  }
  if (v == "STOP") {
    return VrrpState::kStop;
  }
  const std::optional<int64_t> code = ToNumber<int64_t>(v);
  return code ? VrrpStateFromCode(*code) : VrrpState::kUnknown;
}

// The lines of an instance that may follow 1.3.5's NIC and script blocks (vrrp_print.c
// prints the track lists, then these): such a line ends the block; any other indent-3 line
// in a block is the block's own (a NIC's or script's `State`, `Weight`...), never the
// instance's.
bool IsInstanceTrailer(std::string_view key) {
  return key == "Virtual IP" || key == "Virtual IP Excluded" || key == "Virtual Routes" ||
         key == "Virtual Rules" || key == "Tracked scripts" || key == "Tracked interfaces" ||
         key == "Unicast Peer" || key.ends_with(" state transition script") ||
         key == "Using smtp notification";
}

enum class Section { kGlobal, kTopology, kScripts, kInterfaces, kOther };
enum class Block { kInstance, kNic, kScript };  // 1.3.5's blocks inside an instance
enum class List { kNone, kVips, kExcludedVips, kScripts, kInterfaces, kPeers, kOther };

// keepalived.data, one line at a time; the section, the instance and, inside an instance, the
// block and the list each line belongs to are tracked by their headers and indentation.
class DataParser {
 public:
  explicit DataParser(bool v1) : v1_(v1) {}

  void Line(size_t indent, std::string_view text) {
    if (indent == 0) {
      Header(text);
    } else if (section_ == Section::kTopology) {
      TopologyLine(indent, text);
    } else if (section_ == Section::kScripts) {
      ScriptsLine(indent, text);
    } else if (section_ == Section::kInterfaces && indent == 1 && text.starts_with("Name = ")) {
      ++interfaces_named_;
    }
  }

  DataDump Finish() {
    EndInstance();
    Expect(v1_ || interfaces_named_ > 0, "data: cut short (no Interfaces section)");
    return std::move(out_);
  }

 private:
  struct Seen {
    bool version = false, state = false, master_router = false, master_priority = false;
    bool wantstate = false, transition = false, interface = false, vrid = false;
    bool priority = false, effective = false, interval = false, preempt = false;
    bool garp = false, faults = false, config_faults = false;
  };

  InstanceData& Cur() { return out_.instances.back(); }

  void Header(std::string_view text) {
    Expect(text.size() >= 16 && text.starts_with("------< ") && text.ends_with(" >------"),
           "data: unexpected line");
    const std::string_view name = text.substr(8, text.size() - 16);
    if (name == "NIC" && v1_ && section_ == Section::kTopology && in_instance_) {
      CloseList();
      CloseBlock();
      block_ = Block::kNic;
      ++nics_;
      return;
    }
    EndInstance();
    section_ = name == "Global definitions" ? Section::kGlobal
               : name == "VRRP Topology"    ? Section::kTopology
               : name == "VRRP Scripts"     ? Section::kScripts
               : name == "Interfaces"       ? Section::kInterfaces
                                            : Section::kOther;
  }

  void TopologyLine(size_t indent, std::string_view text) {
    if (indent == 1 && text.starts_with("VRRP Instance = ")) {
      EndInstance();
      out_.instances.emplace_back().name = std::string(text.substr(16));
      Expect(!Cur().name.empty(), "data: instance without a name");
      in_instance_ = true;
      return;
    }
    Expect(in_instance_, "data: a topology line outside an instance");
    if (indent >= 4) {
      ListEntry(text);
      return;
    }
    const auto kv = KeyValue(text);
    const std::string_view key = kv ? kv->first : text;
    if (indent == 1) {
      CloseList();
      if (v1_ && kv && key == "VRRP Script") {
        CloseBlock();
        block_ = Block::kScript;
        ++scripts_;
        Cur().tracked_scripts.push_back({std::string(kv->second), 0});
        ScriptNamed(kv->second);
      } else if (block_ == Block::kNic) {
        if (kv && key == "Name" && !nic_named_) {
          Cur().tracked_interfaces.emplace_back(kv->second);
          nic_named_ = true;
        }
        // if_print()'s last line.
        nic_done_ =
            nic_done_ || text.starts_with("NIC support") || text.starts_with("Enabling NIC");
      } else if (v1_ && kv && key == "VRRP Version" && block_ == Block::kInstance) {
        Once(seen_.version, Cur().version, Number<int>(kv->second, "data: bad VRRP Version"));
      }
      return;
    }
    CloseList();
    if (block_ != Block::kInstance) {
      if (!IsInstanceTrailer(key)) {
        BlockLine(text, kv);
        return;
      }
      CloseBlock();
    }
    InstanceLine(text, kv);
  }

  void BlockLine(std::string_view text,
                 const std::optional<std::pair<std::string_view, std::string_view>>& kv) {
    if (block_ != Block::kScript) {
      return;  // a NIC's own indented lines, if any
    }
    if (kv && kv->first == "Status") {
      const std::string_view v = kv->second;
      out_.scripts[script_].good = v == "GOOD"  ? std::optional(true)
                                   : v == "BAD" ? std::optional(false)
                                                : std::nullopt;
    } else if (text.starts_with("Interface weight ")) {
      Cur().tracked_scripts.back().weight = Number<int>(text.substr(17), "data: bad weight");
      script_done_ = true;
    }
  }

  void InstanceLine(std::string_view text,
                    const std::optional<std::pair<std::string_view, std::string_view>>& kv) {
    InstanceData& in = Cur();
    list_ = List::kNone;
    if (!kv) {
      list_ = text.starts_with("Virtual IP (")  ? List::kVips
              : text == "Virtual IP Excluded :" ? List::kExcludedVips
              : text == "Tracked scripts :"     ? List::kScripts
              : text == "Tracked interfaces :"  ? List::kInterfaces
              : text == "Unicast Peer :"        ? List::kPeers
              : text.ends_with(":")             ? List::kOther  // Flags:, routes...
                                                : List::kNone;
      return;
    }
    const auto [key, v] = *kv;
    if (key == "VRRP Version" && !v1_) {
      Once(seen_.version, in.version, Number<int>(v, "data: bad VRRP Version"));
    } else if (key == "State") {
      Once(seen_.state, in.state, StateOf(v));
    } else if (key == "Wantstate") {
      Once(seen_.wantstate, in.wantstate, std::optional(StateOf(v)));
    } else if (key == "Master router") {
      Once(seen_.master_router, in.master_router, std::optional(std::string(FirstWord(v))));
    } else if (key == "Master priority") {
      Once(seen_.master_priority, in.master_priority,
           std::optional(Number<int>(v, "data: bad Master priority")));
    } else if (key == "Last transition") {
      Once(seen_.transition, in.last_transition,
           std::optional(Number<double>(FirstWord(v), "data: bad Last transition")));
    } else if (key == "Interface" || key == "Listening device") {
      const std::string_view name = v == "not configured" ? "" : v.substr(0, v.find_first_of(", "));
      Once(seen_.interface, in.interface, std::string(name));
    } else if (key == "Virtual Router ID") {
      Once(seen_.vrid, in.vrid, Number<int>(v, "data: bad Virtual Router ID"));
    } else if (key == "Priority") {
      Once(seen_.priority, in.base_priority, Number<int>(v, "data: bad Priority"));
    } else if (key == "Effective priority") {
      Once(seen_.effective, in.effective_priority,
           std::optional(Number<int>(v, "data: bad Effective priority")));
    } else if (key == "Advert interval") {
      const double n = Number<double>(FirstWord(v), "data: bad Advert interval");
      const std::string_view unit = v.substr(std::min(v.size(), FirstWord(v).size() + 1));
      Expect(unit == "sec" || unit == "milli-sec", "data: bad Advert interval unit");
      Once(seen_.interval, in.advert_interval_seconds, unit == "sec" ? n : n / 1000);
    } else if (key == "Preempt") {
      Expect(v == "enabled" || v == "disabled", "data: bad Preempt");
      Once(seen_.preempt, in.preempt, v == "enabled");
    } else if (key == "Gratuitous ARP delay") {
      Once(seen_.garp, in.garp_delay_seconds,
           std::optional(Number<double>(v, "data: bad Gratuitous ARP delay")));
    } else if (key == "Number of interface and track script faults") {
      Once(seen_.faults, in.fault_count, std::optional(Number<int64_t>(v, "data: bad faults")));
    } else if (key == "Number of config faults") {
      Once(seen_.config_faults, in.config_fault_count,
           std::optional(Number<int64_t>(v, "data: bad config faults")));
    } else if (v1_ && key == "Tracked interfaces") {
      nics_expected_ = Number<int>(v, "data: bad Tracked interfaces");
    } else if (v1_ && key == "Tracked scripts") {
      scripts_expected_ = Number<int>(v, "data: bad Tracked scripts");
    } else if (v1_ && (key == "Virtual IP" || key == "Virtual IP Excluded" ||
                       key == "Virtual Routes" || key == "Virtual Rules")) {
      list_ = key == "Virtual IP"            ? List::kVips
              : key == "Virtual IP Excluded" ? List::kExcludedVips
                                             : List::kOther;
      list_expected_ = Number<int>(v, "data: bad list size");
      list_entries_ = 0;
    }
    // Anything else (`Password = ...` among them) is not kept.
  }

  void ListEntry(std::string_view text) {
    if (block_ != Block::kInstance) {
      return;
    }
    ++list_entries_;
    InstanceData& in = Cur();
    if (list_ == List::kVips) {
      in.vips.push_back(ParseVirtualIp(text));
    } else if (list_ == List::kExcludedVips) {
      in.excluded_vips.push_back(ParseVirtualIp(text));
    } else if (list_ == List::kPeers) {
      in.unicast_peers.emplace_back(FirstWord(text));
    } else if (list_ == List::kInterfaces) {
      in.tracked_interfaces.emplace_back(FirstWord(text));
    } else if (list_ == List::kScripts) {
      // "chk_track weight -80" (+ " reverse")
      const std::string_view name = FirstWord(text);
      std::string_view rest = text.substr(name.size());
      Expect(rest.starts_with(" weight "), "data: bad tracked script");
      rest = FirstWord(rest.substr(8));
      in.tracked_scripts.push_back({std::string(name), Number<int>(rest, "data: bad weight")});
    }
  }

  // 1.3.5's counted lists: `Virtual IP = 2` must be followed by 2 entries.
  void CloseList() {
    if (list_expected_ >= 0 && list_entries_ != list_expected_) {
      Fail("data: cut short (a list misses entries)");
    }
    list_expected_ = -1;
    list_ = List::kNone;
  }

  void CloseBlock() {
    if (block_ == Block::kNic) {
      Expect(nic_done_ && nic_named_, "data: cut short (inside a NIC block)");
    } else if (block_ == Block::kScript) {
      Expect(script_done_, "data: cut short (inside a script block)");
    }
    block_ = Block::kInstance;
    nic_done_ = nic_named_ = script_done_ = false;
  }

  void EndInstance() {
    if (!in_instance_) {
      return;
    }
    CloseList();
    CloseBlock();
    Expect(seen_.state && seen_.interface && seen_.vrid && seen_.priority && seen_.interval &&
               seen_.preempt,
           "data: cut short (an instance misses lines)");
    Expect(!v1_ || (nics_ == nics_expected_ && scripts_ == scripts_expected_),
           "data: cut short (an instance misses its NIC or script blocks)");
    in_instance_ = false;
    seen_ = Seen{};
    nics_ = nics_expected_ = scripts_ = scripts_expected_ = 0;
  }

  // 2.2.x's `VRRP Scripts` section.
  void ScriptsLine(size_t indent, std::string_view text) {
    const auto kv = KeyValue(text);
    if (!kv) {
      return;
    }
    if (indent == 1 && kv->first == "VRRP Script") {
      ScriptNamed(kv->second);
      in_script_ = true;
    } else if (indent == 3 && in_script_) {
      ScriptData& s = out_.scripts[script_];
      const auto [key, v] = *kv;
      if (key == "Result") {
        s.result = Number<int>(v, "data: bad script Result");
      } else if (key == "Status") {
        s.good = v == "GOOD" ? std::optional(true) : v == "BAD" ? std::optional(false) : s.good;
      } else if (key == "State") {
        s.state = std::string(v);
      }
    }
  }

  void ScriptNamed(std::string_view name) {
    Expect(!name.empty(), "data: script without a name");
    for (script_ = 0; script_ < out_.scripts.size(); ++script_) {
      if (out_.scripts[script_].name == name) {
        return;
      }
    }
    out_.scripts.emplace_back().name = std::string(name);
  }

  // An instance's fields are taken from their first line only.
  template <typename T, typename V>
  static void Once(bool& seen, T& field, V&& value) {
    if (!seen) {
      field = std::forward<V>(value);
      seen = true;
    }
  }

  const bool v1_;
  DataDump out_;
  Section section_ = Section::kOther;
  bool in_instance_ = false;
  Seen seen_;
  Block block_ = Block::kInstance;
  bool nic_named_ = false, nic_done_ = false, script_done_ = false;
  int nics_ = 0, nics_expected_ = 0, scripts_ = 0, scripts_expected_ = 0;
  List list_ = List::kNone;
  int list_expected_ = -1, list_entries_ = 0;
  size_t script_ = 0;  // index in out_.scripts
  bool in_script_ = false;
  size_t interfaces_named_ = 0;
};

}  // namespace

DataDump ParseDataDump(std::string_view text) {
  Expect(!text.empty(), "empty");
  const std::string_view first = text.substr(0, text.find('\n'));
  const bool v1 = first == "------< VRRP Topology >------";  // 1.3.5 starts there
  Expect(v1 || first == "------< Global definitions >------", "data: not a keepalived.data");
  Expect(text.back() == '\n', "data: cut short (no final newline)");
  DataParser parser(v1);
  dump_text::ForEachLine(text,
                         [&](size_t indent, std::string_view line) { parser.Line(indent, line); });
  return parser.Finish();
}

}  // namespace swarmscope::keepalived
