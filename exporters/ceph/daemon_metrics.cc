#include "exporters/ceph/daemon_metrics.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace swarmscope::ceph {
namespace {

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

}  // namespace

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

}  // namespace swarmscope::ceph
