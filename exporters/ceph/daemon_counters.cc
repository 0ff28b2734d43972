#include "exporters/ceph/daemon_counters.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "exporters/ceph/admin_socket.h"
#include "exporters/ceph/json_util.h"

namespace swarmscope::ceph {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kServices = {"mds",        "mon", "osd",
                                                       "rbd-mirror", "rgw", "tcmu-runner"};
// The services that report SLOW_OPS to the mgr, and the option their op tracker uses.
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kComplaintTime = {
    {{"osd", "osd_op_complaint_time"}, {"mon", "mon_op_complaint_time"}}};

constexpr std::string_view kPerfDump = R"({"prefix":"perf dump","format":"json"})";
constexpr std::string_view kPerfSchema = R"({"prefix":"perf schema","format":"json"})";
constexpr std::string_view kOps = R"({"prefix":"ops","format":"json"})";
// What the OSD answers to `ops` with osd_enable_op_tracker off (it then reports 0 slow ops).
constexpr std::string_view kTrackerOff = "op_tracker tracking is not enabled";

bool IsService(std::string_view type) {
  return std::find(kServices.begin(), kServices.end(), type) != kServices.end();
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<type>.<id>" or "client.<type>.<id>[.<pid>.<cctid>]" -> the daemon, if it is one.
std::optional<std::pair<std::string, std::string>> ParseEntity(std::string_view entity) {
  bool client = false;
  if (entity.starts_with("client.")) {
    client = true;
    entity.remove_prefix(7);
  }
  const size_t dot = entity.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == entity.size()) {
    return std::nullopt;
  }
  std::string_view type = entity.substr(0, dot);
  std::string_view id = entity.substr(dot + 1);
  if (client) {
    if (type == "radosgw") {
      type = "rgw";  // the old "client.radosgw.<name>" naming
    }
    if (type != "rgw" && type != "rbd-mirror" && type != "tcmu-runner") {
      return std::nullopt;  // a plain client (rados, rbd, the CLI, ...)
    }
    // A client's default socket name ends in ".$pid.$cctid".
    const size_t last = id.rfind('.');
    if (last != std::string_view::npos && last > 0 && AllDigits(id.substr(last + 1))) {
      const size_t before = id.rfind('.', last - 1);
      if (before != std::string_view::npos && before > 0 &&
          AllDigits(id.substr(before + 1, last - before - 1))) {
        id = id.substr(0, before);
      }
    }
  } else if (!IsService(type)) {
    return std::nullopt;  // mgr, mon of another kind, ...
  }
  if (id.empty()) {
    return std::nullopt;
  }
  return std::make_pair(std::string(type), std::string(id));
}

// The mgr module's promethize(): "ceph_" + the path with `[./\s]` and `::` made `_`, `+`
// made `_plus`, a trailing `-` made `_minus`, other `-` made `_`.
std::string Promethize(std::string_view path) {
  std::string out = "ceph_";
  out.reserve(path.size() + 12);
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == ':' && i + 1 < path.size() && path[i + 1] == ':') {
      out += '_';
      ++i;
    } else if (c == '.' || c == '/' || c == ' ' || (c >= '\t' && c <= '\r') ||
               (c >= '\x1c' && c <= '\x1f')) {
      out += '_';  // Python's \s also matches \x1c-\x1f
    } else if (c == '+') {
      out += "_plus";
    } else {
      out += c;
    }
  }
  if (out.back() == '-') {
    out.back() = '_';
    out += "minus";  // the module leaves the other '-' then: made '_' below
  } else {
    std::replace(out.begin(), out.end(), '-', '_');
  }
  // Anything else Prometheus cannot take (the module would print it as is and break the
  // exposition) becomes '_'.
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    if (!ok) {
      c = '_';
    }
  }
  return out;
}

// The module's type for a perf counter type (mgr_module.py _stattype_to_str); nullopt for
// histograms and unknown types, which it skips.
std::optional<MetricType> StatType(int type) {
  switch (type & ~3) {
    case 0:
      return MetricType::kGauge;
    case kPerfLongRunAvg:  // "this lie matches the DaemonState decoding"
    case kPerfCounter:
      return MetricType::kCounter;
    default:
      return std::nullopt;
  }
}

// rbd-mirror's per-image counters, as _perfpath_to_path_labels() splits them:
// ^rbd_mirror_image_([^/]+)/(?:(?:([^/]+)/)?)(.*)\.(replay(?:_bytes|_latency)?)$
struct RbdMirrorImage {
  std::string path;  // "rbd_mirror_image_replay"
  std::string_view pool, name_space, image;
};
std::optional<RbdMirrorImage> MatchRbdMirrorImage(std::string_view path) {
  constexpr std::string_view kPrefix = "rbd_mirror_image_";
  if (!path.starts_with(kPrefix)) {
    return std::nullopt;
  }
  std::string_view rest = path.substr(kPrefix.size());
  const size_t last_dot = rest.rfind('.');
  if (last_dot == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view counter = rest.substr(last_dot + 1);
  if (counter != "replay" && counter != "replay_bytes" && counter != "replay_latency") {
    return std::nullopt;
  }
  rest = rest.substr(0, last_dot);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    return std::nullopt;
  }
  RbdMirrorImage m;
  m.path = std::string("rbd_mirror_image_") + std::string(counter);
  m.pool = rest.substr(0, slash);
  rest = rest.substr(slash + 1);
  const size_t ns = rest.find('/');
  if (ns != std::string_view::npos && ns > 0) {
    m.name_space = rest.substr(0, ns);
    rest = rest.substr(ns + 1);
  }
  m.image = rest;
  return m;
}

// ParseJson, with nlohmann's other errors (a number out of range: "1e999") made
// invalid_argument too.
json Parse(std::string_view text, const json::parser_callback_t& keep = {}) {
  try {
    return ParseJson(text, keep);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("invalid JSON: ") + e.what());
  }
}

// A JSON number as a count or a priority: NaN and negatives are 0, too large is the most
// (a cast of an out-of-range double is undefined).
uint64_t ToCount(double v) {
  if (!(v > 0)) {
    return 0;
  }
  return v >= 18446744073709551615.0 ? UINT64_MAX : static_cast<uint64_t>(v);
}
int ToPriority(double v) {
  if (!(v > -1e9)) {
    return -1000000000;
  }
  return v >= 1e9 ? 1000000000 : static_cast<int>(v);
}

const json& Object(const json& j, std::string_view what) {
  if (!j.is_object()) {
    throw std::invalid_argument(std::string(what) + " is not a JSON object");
  }
  return j;
}

}  // namespace

std::vector<DaemonSocket> FindDaemonSockets(const std::string& dir, std::string_view cluster) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return {};
    }
    throw std::runtime_error("run dir " + dir + ": " + ec.message());
  }
  const std::string prefix = std::string(cluster) + "-";
  struct Found {
    DaemonSocket socket;
    fs::file_time_type mtime;
  };
  std::vector<Found> found;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      throw std::runtime_error("run dir " + dir + ": " + ec.message());
    }
    const std::string file = it->path().filename().string();
    if (!file.starts_with(prefix) || !file.ends_with(".asok") || file.size() <= prefix.size() + 5) {
      continue;
    }
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      continue;
    }
    auto entity =
        ParseEntity(std::string_view(file).substr(prefix.size(), file.size() - prefix.size() - 5));
    if (!entity) {
      continue;
    }
    Found f{{std::move(entity->first), std::move(entity->second), it->path().string()}, {}};
    f.mtime = it->last_write_time(type_ec);
    found.push_back(std::move(f));
  }
  if (ec) {
    throw std::runtime_error("run dir " + dir + ": " + ec.message());
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.socket.type != b.socket.type) {
      return a.socket.type < b.socket.type;
    }
    if (a.socket.id != b.socket.id) {
      return a.socket.id < b.socket.id;
    }
    return a.mtime > b.mtime;  // the newest first, kept below
  });
  std::vector<DaemonSocket> out;
  out.reserve(found.size());
  for (auto& f : found) {
    if (!out.empty() && out.back().type == f.socket.type && out.back().id == f.socket.id) {
      continue;
    }
    out.push_back(std::move(f.socket));
  }
  return out;
}

PerfSchema ParsePerfSchema(std::string_view text) {
  const json doc = Parse(text);
  PerfSchema schema;
  for (const auto& [logger, counters] : Object(doc, "perf schema").items()) {
    for (const auto& [name, info] : Object(counters, "perf schema logger " + logger).items()) {
      Object(info, "perf schema counter " + logger + "." + name);
      const auto type = info.find("type");
      if (type == info.end() || !type->is_number_integer() || type->get<int64_t>() < 0 ||
          type->get<int64_t>() > 0xffff) {
        throw std::invalid_argument("perf schema counter " + logger + "." + name +
                                    " has no valid type");
      }
      CounterSchema c;
      c.path = logger + "." + name;
      c.type = type->get<int>();
      c.priority = ToPriority(NumberAt(info, "priority", 0));
      c.description = TextAt(info, "description");
      schema.push_back(std::move(c));
    }
  }
  return schema;
}

PerfDump ParsePerfDump(std::string_view text) {
  const json doc = Parse(text);
  PerfDump dump;
  for (const auto& [logger, counters] : Object(doc, "perf dump").items()) {
    for (const auto& [name, v] : Object(counters, "perf dump logger " + logger).items()) {
      CounterValue value;
      if (v.is_number_unsigned()) {
        value.integer = v.get<uint64_t>();
        value.value = static_cast<double>(*value.integer);
      } else if (v.is_object()) {
        const auto count = v.find("avgcount");
        const auto sum = v.find("sum");
        if (count == v.end() || sum == v.end()) {
          continue;  // a shape the module has no use for (histograms)
        }
        const auto n = Number(*count);
        const auto s = Number(*sum);
        if (!n || !s) {
          continue;
        }
        value.average = true;
        value.count = count->is_number_unsigned() ? count->get<uint64_t>() : ToCount(*n);
        value.value = *s;
        if (sum->is_number_unsigned()) {
          value.integer = sum->get<uint64_t>();
        }
      } else if (auto n = Number(v)) {
        value.value = *n;
      } else {
        continue;
      }
      dump.emplace(logger + "." + name, value);
    }
  }
  return dump;
}

std::vector<double> ParseOpsInFlight(std::string_view text) {
  // Only the ages are kept: `ops` of a busy OSD describes thousands of ops and their events.
  const json doc = Parse(text, [](int depth, json::parse_event_t event, json& parsed) {
    return !(event == json::parse_event_t::key && depth == 3 && parsed != "age");
  });
  const auto ops = Object(doc, "ops").find("ops");
  if (ops == doc.end() || !ops->is_array()) {
    throw std::invalid_argument("ops: no \"ops\" array");
  }
  std::vector<double> ages;
  ages.reserve(ops->size());
  for (const auto& op : *ops) {
    ages.push_back(NumberAt(op, "age", 0));
  }
  return ages;
}

uint64_t CountSlowOps(const std::vector<double>& ages, double complaint_seconds) {
  uint64_t slow = 0;
  for (double age : ages) {
    if (!(age > complaint_seconds)) {
      break;
    }
    ++slow;
  }
  return slow;
}

double ParseConfigNumber(std::string_view text, std::string_view var) {
  const json doc = Parse(text);
  const auto it = Object(doc, "config get").find(var);
  const auto n = it == doc.end() ? std::nullopt : Number(*it);
  if (!n) {
    throw std::invalid_argument("config get: no number for " + std::string(var));
  }
  return *n;
}

const std::vector<MetricSpec>& DaemonCounterSpecs() {
  static const std::vector<MetricSpec> specs = {
      {"ceph_daemon_health_metrics", MetricType::kGauge, "Health metrics for Ceph daemons",
       "type, ceph_daemon"},
      {"swarmscope_ceph_daemon_socket_up", MetricType::kGauge,
       "1 if the admin socket <run dir>/<cluster>-<daemon>.asok of a Ceph daemon on this node "
       "answered perf dump, 0 if not",
       "ceph_daemon"},
  };
  return specs;
}

std::string_view FamilyTexts::Intern(std::string_view text) {
  auto it = texts_.find(text);
  if (it == texts_.end()) {
    it = texts_.emplace(text).first;
  }
  return *it;
}

void WriteDaemonCounters(const std::vector<DaemonData>& daemons, const LabelSet& base,
                         MetricWriter& out, FamilyTexts& texts) {
  struct Sample {
    uint32_t daemon;
    int32_t extra;  // index into `extras`, or -1
    double value;
    std::optional<uint64_t> integer;
  };
  struct Family {
    std::string_view name;  // in `texts`
    std::string_view help;  // in `texts`
    MetricType type;
    std::vector<Sample> samples;
  };
  std::vector<Family> families;
  std::unordered_map<std::string_view, size_t> index;  // views into `texts`
  std::vector<LabelSet> extras;
  const auto& specs = DaemonCounterSpecs();
  const auto add = [&](std::string name, MetricType type, std::string_view help,
                       std::string_view help_suffix, Sample sample) {
    if (std::any_of(specs.begin(), specs.end(),
                    [&](const MetricSpec& s) { return s.name == name; })) {
      return;  // a counter named like a fixed family would split it in two
    }
    auto it = index.find(name);
    if (it == index.end()) {
      std::string full_help(help);
      full_help += help_suffix;
      const std::string_view kept = texts.Intern(name);
      it = index.emplace(kept, families.size()).first;
      families.push_back({kept, texts.Intern(full_help), type, {}});
    }
    auto& samples = families[it->second].samples;
    // Two paths of one daemon that promethize alike: the later wins, as in the module's dict.
    if (!samples.empty() && samples.back().daemon == sample.daemon &&
        samples.back().extra == sample.extra) {
      samples.back() = sample;
    } else {
      samples.push_back(sample);
    }
  };

  std::vector<LabelSet> labels(daemons.size());
  for (uint32_t d = 0; d < daemons.size(); ++d) {
    const DaemonData& daemon = daemons[d];
    labels[d] = base;
    if (daemon.type == "rgw") {
      labels[d].Add("instance_id", daemon.id);
    } else {
      labels[d].Add("ceph_daemon", daemon.type + "." + daemon.id);
    }
    if (!daemon.up || daemon.schema == nullptr || daemon.dump == nullptr) {
      continue;
    }
    for (const CounterSchema& c : *daemon.schema) {
      if (c.priority < kPrioUseful) {
        continue;
      }
      const auto type = StatType(c.type);
      if (!type) {
        continue;
      }
      const auto v = daemon.dump->find(c.path);
      if (v == daemon.dump->end()) {
        continue;
      }
      const CounterValue& value = v->second;
      std::string_view path = c.path;
      int32_t extra = -1;
      std::optional<RbdMirrorImage> image;
      if (daemon.type == "rbd-mirror" && (image = MatchRbdMirrorImage(path))) {
        path = image->path;
        extra = static_cast<int32_t>(extras.size());
        extras.emplace_back()
            .Add("pool", image->pool)
            .Add("namespace", image->name_space)
            .Add("image", image->image);
      }
      std::string name = Promethize(path);
      if (c.type & kPerfLongRunAvg) {
        if (!value.average) {
          continue;
        }
        add(name + "_sum", *type, c.description, " Total", {d, extra, value.value, value.integer});
        name += "_count";
        add(std::move(name), MetricType::kCounter, c.description, " Count",
            {d, extra, static_cast<double>(value.count), value.count});
      } else {
        if (value.average) {
          continue;
        }
        add(std::move(name), *type, c.description, "", {d, extra, value.value, value.integer});
      }
    }
  }

  for (const Family& f : families) {
    FamilyWriter& w = out.Family({f.name, f.type, f.help});
    for (const Sample& s : f.samples) {
      const LabelSet& l = labels[s.daemon];
      if (s.extra >= 0) {
        if (s.integer) {
          w.Add(l, extras[s.extra], *s.integer);
        } else {
          w.Add(l, extras[s.extra], s.value);
        }
      } else if (s.integer) {
        w.Add(l, *s.integer);
      } else {
        w.Add(l, s.value);
      }
    }
  }

  bool any_health = false;
  for (const DaemonData& daemon : daemons) {
    any_health = any_health || daemon.slow_ops.has_value();
  }
  if (any_health) {
    FamilyWriter& health = out.Family(specs[0]);
    for (const DaemonData& daemon : daemons) {
      if (daemon.slow_ops) {
        LabelSet l = base;
        l.Add("type", "SLOW_OPS").Add("ceph_daemon", daemon.type + "." + daemon.id);
        health.Add(l, *daemon.slow_ops);
      }
    }
  }
  FamilyWriter& up = out.Family(specs[1]);
  for (const DaemonData& daemon : daemons) {
    LabelSet l = base;
    l.Add("ceph_daemon", daemon.type + "." + daemon.id);
    up.Add(l, daemon.up ? 1 : 0);
  }
}

DaemonCounters::DaemonCounters(std::string dir, std::string cluster,
                               std::chrono::milliseconds timeout, ErrorReporter& errors,
                               LabelSet base)
    : dir_(std::move(dir)),
      cluster_(std::move(cluster)),
      timeout_(timeout),
      errors_(errors),
      base_(std::move(base)) {}

std::string DaemonCounters::Command(const DaemonSocket& socket, std::string_view command) {
  return AdminSocketCommand(socket.path, command, timeout_);
}

void DaemonCounters::LoadSchema(const DaemonSocket& socket, Cached& cached, const PerfDump& dump) {
  cached.schema = ParsePerfSchema(Command(socket, kPerfSchema));
  cached.paths.clear();
  for (const CounterSchema& c : cached.schema) {
    cached.paths.insert(c.path);
  }
  // What the dump has and a fresh schema still lacks does not ask for the schema again.
  cached.unknown.clear();
  for (const auto& [path, value] : dump) {
    if (!cached.paths.contains(path)) {
      cached.unknown.insert(path);
    }
  }
}

std::optional<uint64_t> DaemonCounters::ReadSlowOps(const DaemonSocket& socket) {
  const auto option = std::find_if(kComplaintTime.begin(), kComplaintTime.end(),
                                   [&](const auto& p) { return p.first == socket.type; });
  if (option == kComplaintTime.end()) {
    return std::nullopt;  // only mons and OSDs report SLOW_OPS to the mgr
  }
  const std::string name = socket.name();
  std::string step = "ops";
  try {
    const std::vector<double> ages = ParseOpsInFlight(Command(socket, kOps));
    if (ages.empty()) {
      return 0;
    }
    step = "config get";
    const std::string var(option->second);
    const double complaint = ParseConfigNumber(
        Command(socket, R"({"prefix":"config get","var":")" + var + R"(","format":"json"})"), var);
    return CountSlowOps(ages, complaint);
  } catch (const std::invalid_argument& e) {
    errors_.Report("parse", step + ": " + e.what(), {{"ceph_daemon", name}});
  } catch (const std::runtime_error& e) {
    if (std::string_view(e.what()).find(kTrackerOff) != std::string_view::npos) {
      return 0;  // as the daemon reports it with op tracking off
    }
    errors_.Report("admin_socket", e.what(), {{"ceph_daemon", name}});
  } catch (const std::exception& e) {
    errors_.Report("internal", step + ": " + e.what(), {{"ceph_daemon", name}});
  }
  return std::nullopt;
}

bool DaemonCounters::ReadDaemon(const DaemonSocket& socket, PerfDump& dump,
                                const PerfSchema*& schema, std::optional<uint64_t>& slow_ops) {
  const std::string name = socket.name();
  std::optional<SocketId> id;
  struct stat st {};
  if (::stat(socket.path.c_str(), &st) == 0) {
    id = SocketId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                  static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  std::string step = "perf dump";
  try {
    dump = ParsePerfDump(Command(socket, kPerfDump));
    auto [it, inserted] = cache_.try_emplace(name);
    Cached& cached = it->second;
    bool reload = inserted || !id || cached.socket != *id;
    for (auto p = dump.begin(); !reload && p != dump.end(); ++p) {
      reload = !cached.paths.contains(p->first) && !cached.unknown.contains(p->first);
    }
    if (reload) {
      step = "perf schema";
      LoadSchema(socket, cached, dump);
      cached.socket = id.value_or(SocketId{});
    }
    schema = &cached.schema;
  } catch (const std::invalid_argument& e) {
    errors_.Report("parse", step + ": " + e.what(), {{"ceph_daemon", name}});
    cache_.erase(name);
    return false;
  } catch (const std::runtime_error& e) {
    errors_.Report("admin_socket", e.what(), {{"ceph_daemon", name}});
    cache_.erase(name);
    return false;
  } catch (const std::exception& e) {  // a backstop: the refresh task must go on
    errors_.Report("internal", step + ": " + e.what(), {{"ceph_daemon", name}});
    cache_.erase(name);
    return false;
  }
  slow_ops = ReadSlowOps(socket);
  return true;
}

DaemonCounters::Result DaemonCounters::Refresh() {
  std::vector<DaemonSocket> sockets;
  try {
    sockets = FindDaemonSockets(dir_, cluster_);
  } catch (const std::runtime_error& e) {
    errors_.Report("run_dir", e.what());
  }
  // Forget the daemons whose sockets are gone.
  for (auto it = cache_.begin(); it != cache_.end();) {
    const bool present = std::any_of(sockets.begin(), sockets.end(),
                                     [&](const DaemonSocket& s) { return s.name() == it->first; });
    it = present ? std::next(it) : cache_.erase(it);
  }

  Result result;
  result.daemons = sockets.size();
  std::vector<PerfDump> dumps(sockets.size());
  std::vector<DaemonData> data(sockets.size());
  for (size_t i = 0; i < sockets.size(); ++i) {
    DaemonData& d = data[i];
    d.type = sockets[i].type;
    d.id = sockets[i].id;
    const PerfSchema* schema = nullptr;
    d.up = ReadDaemon(sockets[i], dumps[i], schema, d.slow_ops);
    if (d.up) {
      d.schema = schema;
      d.dump = &dumps[i];
    } else {
      ++result.failed;
    }
  }
  // Texts of daemons long gone (names with a pointer in them change at every restart) are
  // dropped now and then; writer_ refers to none of them between refreshes.
  if (texts_.size() > 100000) {
    texts_.Clear();
  }
  WriteDaemonCounters(data, base_, writer_, texts_);
  result.text = std::make_shared<const std::string>(writer_.TakeBuffer());
  // The next exposition is about as big: start it with the room.
  std::string next;
  next.reserve(result.text->size() + result.text->size() / 8);
  writer_.AdoptBuffer(std::move(next));
  return result;
}

}  // namespace swarmscope::ceph
