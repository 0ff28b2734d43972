#include "tests/support/exposition_parser.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace swarmscope::testing {
namespace {

bool IsNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return s[i]; }
};

bool ParseName(Cursor& c, std::string& out) {
  const size_t start = c.i;
  while (!c.done() && IsNameChar(c.peek(), c.i == start)) {
    ++c.i;
  }
  out = std::string(c.s.substr(start, c.i - start));
  return !out.empty();
}

bool ParseLabelValue(Cursor& c, std::string& out) {
  if (c.done() || c.peek() != '"') {
    return false;
  }
  ++c.i;
  while (!c.done() && c.peek() != '"') {
    char ch = c.peek();
    if (ch == '\n') {
      return false;
    }
    if (ch == '\\') {
      ++c.i;
      if (c.done()) {
        return false;
      }
      const char e = c.peek();
      if (e == 'n') {
        out += '\n';
      } else if (e == '\\' || e == '"') {
        out += e;
      } else {
        return false;
      }
    } else {
      out += ch;
    }
    ++c.i;
  }
  if (c.done()) {
    return false;
  }
  ++c.i;
  return true;
}

std::string UnescapeHelp(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
      out += s[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool ParseValue(std::string_view text, double& out) {
  if (text.empty()) {
    return false;
  }
  std::string v(text);
  char* end = nullptr;
  out = std::strtod(v.c_str(), &end);
  return end == v.c_str() + v.size();
}

// The family a sample belongs to: histograms' and summaries' suffixes map to their base.
std::string FamilyOf(const Exposition& e, const std::string& name) {
  if (e.families.count(name)) {
    return name;
  }
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string_view sv(suffix);
    if (name.size() > sv.size() && name.compare(name.size() - sv.size(), sv.size(), sv) == 0) {
      std::string base = name.substr(0, name.size() - sv.size());
      if (e.families.count(base)) {
        return base;
      }
    }
  }
  return name;
}

}  // namespace

std::optional<Exposition> ParseExposition(std::string_view text, std::string* error) {
  Exposition e;
  auto fail = [&](size_t line_no, std::string why) -> std::optional<Exposition> {
    if (error) {
      *error = "line " + std::to_string(line_no) + ": " + why;
    }
    return std::nullopt;
  };
  if (!text.empty() && text.back() != '\n') {
    return fail(0, "exposition does not end in a newline");
  }
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      continue;
    }
    if (line[0] == '#') {
      const bool help = line.substr(0, 7) == "# HELP ";
      const bool type = line.substr(0, 7) == "# TYPE ";
      if (!help && !type) {
        continue;  // a comment
      }
      Cursor c{line, 7};
      std::string name;
      if (!ParseName(c, name)) {
        return fail(line_no, "bad metric name in HELP/TYPE");
      }
      std::string_view rest = c.done() ? std::string_view() : line.substr(c.i + 1);
      Family& f = e.families[name];
      if (help) {
        if (!f.help.empty()) {
          return fail(line_no, "second HELP for " + name);
        }
        f.help = UnescapeHelp(rest);
      } else {
        if (!f.type.empty()) {
          return fail(line_no, "second TYPE for " + name);
        }
        if (!f.samples.empty()) {
          return fail(line_no, "TYPE after samples for " + name);
        }
        f.type = std::string(rest);
      }
      if (e.order.empty() || e.order.back() != name) {
        for (const auto& seen : e.order) {
          if (seen == name) {
            return fail(line_no, "family " + name + " is not contiguous");
          }
        }
        e.order.push_back(name);
      }
      continue;
    }
    Cursor c{line, 0};
    Sample s;
    if (!ParseName(c, s.name)) {
      return fail(line_no, "bad metric name");
    }
    if (!c.done() && c.peek() == '{') {
      ++c.i;
      while (!c.done() && c.peek() != '}') {
        std::string label;
        std::string value;
        if (!ParseName(c, label)) {
          return fail(line_no, "bad label name");
        }
        if (c.done() || c.peek() != '=') {
          return fail(line_no, "expected =");
        }
        ++c.i;
        if (!ParseLabelValue(c, value)) {
          return fail(line_no, "bad label value");
        }
        if (!s.labels.emplace(label, value).second) {
          return fail(line_no, "duplicate label " + label);
        }
        if (!c.done() && c.peek() == ',') {
          ++c.i;
        }
      }
      if (c.done()) {
        return fail(line_no, "unterminated label set");
      }
      ++c.i;
    }
    if (c.done() || c.peek() != ' ') {
      return fail(line_no, "expected a space before the value");
    }
    std::string_view rest = line.substr(c.i + 1);
    const size_t sp = rest.find(' ');
    if (!ParseValue(rest.substr(0, sp), s.value)) {
      return fail(line_no, "bad value");
    }
    if (sp != std::string_view::npos) {
      double ts = 0;
      if (!ParseValue(rest.substr(sp + 1), ts)) {
        return fail(line_no, "bad timestamp");
      }
      s.timestamp_ms = static_cast<int64_t>(ts);
    }
    const std::string family = FamilyOf(e, s.name);
    if (e.order.empty() || e.order.back() != family) {
      for (const auto& seen : e.order) {
        if (seen == family) {
          return fail(line_no, "family " + family + " is not contiguous");
        }
      }
      e.order.push_back(family);
    }
    e.families[family].samples.push_back(std::move(s));
  }
  return e;
}

const Sample* FindSample(const Exposition& e, std::string_view name,
                         const std::map<std::string, std::string>& labels) {
  for (const auto& [_, family] : e.families) {
    for (const auto& s : family.samples) {
      if (s.name != name) {
        continue;
      }
      bool match = true;
      for (const auto& [k, v] : labels) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) {
          match = false;
          break;
        }
      }
      if (match) {
        return &s;
      }
    }
  }
  return nullptr;
}

namespace {

bool SameValue(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    return std::isnan(a) && std::isnan(b);
  }
  return a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

std::vector<std::string> ExpositionDifferences(const Exposition& a, const Exposition& b) {
  std::vector<std::string> out;
  if (a.order != b.order) {
    out.push_back("the families differ or come in another order");
    return out;
  }
  for (const auto& name : a.order) {
    const Family& x = a.families.at(name);
    const Family& y = b.families.at(name);
    if (x.help != y.help) {
      out.push_back(name + ": HELP '" + x.help + "' vs '" + y.help + "'");
    }
    if (x.type != y.type) {
      out.push_back(name + ": TYPE " + x.type + " vs " + y.type);
    }
    if (x.samples.size() != y.samples.size()) {
      out.push_back(name + ": " + std::to_string(x.samples.size()) + " vs " +
                    std::to_string(y.samples.size()) + " samples");
      continue;
    }
    for (size_t i = 0; i < x.samples.size(); ++i) {
      const Sample& s = x.samples[i];
      const Sample& t = y.samples[i];
      auto sl = s.labels;
      auto tl = t.labels;
      if (sl.contains("le") && tl.contains("le")) {
        if (std::stod(sl["le"]) != std::stod(tl["le"])) {
          out.push_back(name + ": le " + sl["le"] + " vs " + tl["le"]);
        }
        sl.erase("le");
        tl.erase("le");
      }
      if (s.name != t.name || sl != tl) {
        out.push_back(name + ": sample " + std::to_string(i) + " is " + s.name + " vs " + t.name +
                      " or has other labels");
      } else if (!SameValue(s.value, t.value)) {
        out.push_back(name + ": sample " + std::to_string(i) + " value " + std::to_string(s.value) +
                      " vs " + std::to_string(t.value));
      }
    }
  }
  return out;
}

}  // namespace swarmscope::testing
