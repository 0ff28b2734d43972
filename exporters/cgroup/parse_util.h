#pragma once

// Text helpers shared by the cgroup exporter's pure parsers (cgroup_parsers.cc,
// proc_parsers.cc). Internal to the exporter.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace swarmscope::cgroup::parse {

/// `s` without leading and trailing spaces, tabs and newlines.
inline std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

/// The whole of `s` as a number of type T; nullopt on anything else (signs, spaces, junk).
template <typename T>
std::optional<T> Number(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

/// The common case of Number<uint64_t>, most of what cgroup files hold: up to 19 digits
/// cannot overflow, so they need no checks but for being digits.
template <>
inline std::optional<uint64_t> Number<uint64_t>(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    if (s.size() == 20) {  // near UINT64_MAX: let from_chars check the range
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && end == s.data() + s.size()) {
        return v;
      }
    }
    return std::nullopt;
  }
  uint64_t v = 0;
  for (const char c : s) {
    const auto digit = static_cast<unsigned char>(c - '0');
    if (digit > 9) {
      return std::nullopt;
    }
    v = v * 10 + digit;
  }
  return v;
}

/// Calls fn(line) for every line, without the newline.
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    fn(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
}

/// Splits off the next space- or tab-separated field ("" at the end).
inline std::string_view NextField(std::string_view& rest) {
  size_t i = 0;
  while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) {
    ++i;
  }
  size_t j = i;
  while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') {
    ++j;
  }
  std::string_view field = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return field;
}

/// A parser that fills a reused vector (`into(text, out)` -> ok), as one that returns a
/// fresh vector or nullopt.
template <typename T, typename Into>
std::optional<std::vector<T>> Fresh(std::string_view text, Into into) {
  std::vector<T> out;
  if (!into(text, out)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace swarmscope::cgroup::parse
