#include "exporters/ceph/perf_parsers.h"

#include <stdexcept>

#include "exporters/ceph/json_util.h"

namespace swarmscope::ceph {
namespace {

using nlohmann::json;

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

}  // namespace swarmscope::ceph
