#include "collector/options.h"

#include <algorithm>
#include <charconv>
#include <climits>

namespace swarmscope {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  struct Unit {
    std::string_view suffix;
    int64_t ms;
  };
  // Order matters: "ms" before "m" and "s"; units must appear largest first.
  static constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                                    {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},
                                    {"h", 3600LL * 1000},
                                    {"ms", 1},
                                    {"m", 60LL * 1000},
                                    {"s", 1000}};
  constexpr auto kRank = [](std::string_view u) {
    constexpr std::string_view kOrder[] = {"y", "w", "d", "h", "m", "s", "ms"};
    return std::find(std::begin(kOrder), std::end(kOrder), u) - std::begin(kOrder);
  };
  int64_t total = 0;
  int64_t last_rank = -1;
  size_t i = 0;
  while (i < text.size()) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (ec != std::errc() || n < 0) {
      return std::nullopt;
    }
    i = static_cast<size_t>(end - text.data());
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return std::nullopt;
    }
    const int64_t rank = kRank(unit->suffix);
    if (rank <= last_rank || n > INT64_MAX / unit->ms / 2) {
      return std::nullopt;
    }
    last_rank = rank;
    if (total > INT64_MAX / 2 - n * unit->ms) {
      return std::nullopt;
    }
    total += n * unit->ms;
    i += unit->suffix.size();
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) {
    return "0s";
  }
  std::string out;
  const std::pair<int64_t, const char*> kParts[] = {
      {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, unit] : kParts) {
    if (ms >= size) {
      out += std::to_string(ms / size) + unit;
      ms %= size;
    }
  }
  return out;
}

std::optional<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") {
    return true;
  }
  if (text == "false" || text == "0" || text == "no") {
    return false;
  }
  return std::nullopt;
}

std::string CheckHttpUrl(std::string_view text) {
  if (text.empty()) {
    return "";
  }
  std::string_view rest;
  bool http = false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.substr(0, scheme.size()) == scheme) {
      rest = text.substr(scheme.size());
      http = true;
    }
  }
  if (!http) {
    return "expected an http:// or https:// URL, e.g. http://127.0.0.1:9323/metrics";
  }
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.front() == ':') {
    return "the URL has no host";
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return "the URL contains a space or control character";
    }
  }
  return "";
}

std::vector<std::string> ParseList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      out.emplace_back(item);
    }
  }
  return out;
}

std::string FormatList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

namespace options_detail {

int64_t Codec<int64_t>::Parse(std::string_view text) {
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

}  // namespace options_detail
}  // namespace swarmscope
