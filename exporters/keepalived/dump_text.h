#pragma once

// What the keepalived.data and keepalived.stats parsers share (internal to them): failing
// with std::invalid_argument, strict numbers, and walking a dump line by line.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace swarmscope::keepalived::dump_text {

[[noreturn]] inline void Fail(const std::string& what) { throw std::invalid_argument(what); }

inline void Expect(bool ok, const char* what) {
  if (!ok) {
    Fail(what);
  }
}

/// The whole of `s` as a number (finite, for floating point); nullopt otherwise.
template <typename T>
std::optional<T> ToNumber(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v)) {
      return std::nullopt;
    }
  }
  return v;
}

/// The same, failing with `what` when it is not one.
template <typename T>
T Number(std::string_view s, const char* what) {
  const std::optional<T> v = ToNumber<T>(s);
  Expect(v.has_value(), what);
  return *v;
}

inline std::string_view FirstWord(std::string_view s) { return s.substr(0, s.find(' ')); }

/// Calls `line(indent, text)` for every line of `text` that is not blank: `indent` leading
/// spaces, `text` without them and without trailing spaces or CR.
template <typename F>
void ForEachLine(std::string_view text, F&& line) {
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    l.remove_suffix(l.size() - std::min(l.size(), l.find_last_not_of(" \r") + 1));
    const size_t indent = l.find_first_not_of(' ');
    if (indent != std::string_view::npos) {
      line(indent, l.substr(indent));
    }
  }
}

}  // namespace swarmscope::keepalived::dump_text
