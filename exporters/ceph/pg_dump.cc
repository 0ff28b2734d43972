// `pg dump pgs_brief pools`, read as a stream with Boost.JSON's basic_parser (Boost 1.81,
// header-only here: this is the one file that compiles it). At 100k PGs the text is about
// 12 MB: a document of it would be ten times that, and nlohmann's SAX parser alone takes
// four times as long as this one (tests/bench/RESULTS.md, issue 10).

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/src.hpp>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporters/ceph/cluster_parsers.h"
#include "exporters/ceph/json_util.h"

namespace swarmscope::ceph {
namespace {

using boost::json::error_code;
using boost::json::string_view;

// Counts PGs by pool and state while the text streams past: the objects that carry a
// "pgid" and a "state" are PGs, wherever they sit (Pacific wraps them in "pg_stats", older
// releases print a bare list). An object with a "poolid" is an entry of "pool_stats", whose
// "stat_sum" holds num_objects_repaired.
class PgCounter {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit PgCounter(PgDump& out) : out_(out.pgs), repaired_(out.repaired) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return Value(); }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code&) {
    stack_.emplace_back();
    key_.clear();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    Object& o = stack_.back();
    if (!o.pgid.empty() && !o.state.empty()) {
      Count(o);
    }
    stack_.pop_back();
    key_.clear();
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    if (!stack_.empty() && (key_ == "pgid" || key_ == "state")) {
      std::string& to = key_ == "pgid" ? stack_.back().pgid : stack_.back().state;
      to.assign(part_);
      to.append(s.data(), s.size());
    }
    part_.clear();
    return Value();
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    key_.assign(part_);
    key_.append(s.data(), s.size());
    part_.clear();
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(int64_t v, string_view, error_code&) { return Number(static_cast<double>(v)); }
  bool on_uint64(uint64_t v, string_view, error_code&) { return Number(static_cast<double>(v)); }
  bool on_double(double v, string_view, error_code&) { return Number(v); }
  bool on_bool(bool, error_code&) { return Value(); }
  bool on_null(error_code&) { return Value(); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  struct Object {
    std::string pgid;
    std::string state;
    std::optional<int64_t> poolid;
  };
  bool Value() {
    key_.clear();
    return true;
  }
  bool Number(double v) {
    if (!stack_.empty()) {
      if (key_ == "poolid") {
        stack_.back().poolid = static_cast<int64_t>(v);
      } else if (key_ == "num_objects_repaired" && stack_.size() >= 2 &&
                 stack_[stack_.size() - 2].poolid) {
        repaired_[*stack_[stack_.size() - 2].poolid] = v;
      }
    }
    return Value();
  }
  void Count(const Object& o) {
    // "3.1f" -> pool 3.
    const size_t dot = o.pgid.find('.');
    int64_t pool = 0;
    if (dot == std::string::npos) {
      return;
    }
    const auto [end, ec] = std::from_chars(o.pgid.data(), o.pgid.data() + dot, pool);
    if (ec != std::errc() || end != o.pgid.data() + dot) {
      return;
    }
    auto& states = out_.by_pool[pool];
    std::string_view s = o.state;
    while (!s.empty()) {
      const size_t plus = std::min(s.find('+'), s.size());
      const std::string_view name = s.substr(0, plus);
      auto it = states.find(name);
      if (it == states.end()) {
        it = states.emplace(std::string(name), 0).first;
      }
      ++it->second;
      s.remove_prefix(std::min(plus + 1, s.size()));
    }
    auto total = states.find(std::string_view("total"));
    if (total == states.end()) {
      total = states.emplace("total", 0).first;
    }
    ++total->second;
  }

  PgStates& out_;
  PoolRepaired& repaired_;
  std::vector<Object> stack_;
  std::string key_;
  std::string part_;  // a key or string split over several callbacks
};

}  // namespace

PgDump ParsePgDump(std::string_view text) {
  if (text.size() > kMaxOutputBytes) {
    throw std::invalid_argument("oversized: " + std::to_string(text.size()) + " bytes");
  }
  PgDump dump;
  boost::json::basic_parser<PgCounter> parser(boost::json::parse_options{}, dump);
  error_code ec;
  const size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || used != text.size()) {
    const bool at_end = used >= text.size() || ec == boost::json::error::incomplete;
    throw std::invalid_argument(std::string(at_end ? "truncated JSON" : "invalid JSON") +
                                " at byte " + std::to_string(used) +
                                (ec ? " (" + ec.message() + ")" : std::string()));
  }
  return dump;
}

PgStates ParsePgsBrief(std::string_view text) { return ParsePgDump(text).pgs; }

PoolRepaired ParsePgDumpPools(std::string_view text) {
  PgDump dump = ParsePgDump(text);
  if (dump.repaired.empty() && text.find("\"pool_stats\"") == std::string_view::npos) {
    throw std::invalid_argument("pg dump pools: no pool_stats");
  }
  return std::move(dump.repaired);
}

}  // namespace swarmscope::ceph
