#include "exporters/ceph/json_util.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace swarmscope::ceph {

std::optional<std::string> QuoteNonFiniteNumbers(std::string_view text) {
  std::optional<std::string> out;
  bool in_string = false;
  size_t copied = 0;  // text[0, copied) is already in *out
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != 'i' && c != 'n' && c != 'N' && c != 'I' && c != '-') {
      continue;
    }
    // A token starts here: is it one of the non-finite spellings?
    const std::string_view rest = text.substr(i);
    std::string_view token;
    std::string_view replacement;
    for (auto [spelling, quoted] :
         {std::pair<std::string_view, std::string_view>{"-inf", "\"-Inf\""},
          {"-Infinity", "\"-Inf\""},
          {"Infinity", "\"+Inf\""},
          {"inf", "\"+Inf\""},
          {"nan", "\"NaN\""},
          {"NaN", "\"NaN\""},
          {"-nan", "\"NaN\""}}) {
      if (rest.starts_with(spelling) && spelling.size() > token.size()) {
        token = spelling;
        replacement = quoted;
      }
    }
    if (token.empty()) {
      continue;
    }
    const size_t end = i + token.size();
    const bool boundary_before =
        i == 0 || std::string_view(" \t\r\n:,[").find(text[i - 1]) != std::string_view::npos;
    const bool boundary_after =
        end == text.size() ||
        std::string_view(" \t\r\n,]}").find(text[end]) != std::string_view::npos;
    if (!boundary_before || !boundary_after) {
      continue;
    }
    if (!out) {
      out.emplace();
      out->reserve(text.size() + 64);
    }
    out->append(text.substr(copied, i - copied));
    out->append(replacement);
    copied = end;
    i = end - 1;
  }
  if (out) {
    out->append(text.substr(copied));
  }
  return out;
}

nlohmann::json ParseJson(std::string_view text, const nlohmann::json::parser_callback_t& keep) {
  if (text.size() > kMaxOutputBytes) {
    throw std::invalid_argument("oversized: " + std::to_string(text.size()) + " bytes");
  }
  const auto quoted = QuoteNonFiniteNumbers(text);
  const std::string_view input = quoted ? std::string_view(*quoted) : text;
  try {
    return nlohmann::json::parse(input.begin(), input.end(), keep);
  } catch (const nlohmann::json::parse_error& e) {
    // "truncated" when the text ends inside a value, else "invalid JSON" and where.
    const bool at_end = e.byte >= input.size();
    throw std::invalid_argument(std::string(at_end ? "truncated JSON" : "invalid JSON") +
                                " at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception& e) {
    // out_of_range: a number that no double holds (1e999), and the like.
    throw std::invalid_argument(std::string("invalid JSON: ") + e.what());
  }
}

std::optional<double> Number(const nlohmann::json& j) {
  if (j.is_number()) {
    return j.get<double>();
  }
  if (j.is_boolean()) {
    return j.get<bool>() ? 1.0 : 0.0;
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "+Inf") {
      return std::numeric_limits<double>::infinity();
    }
    if (s == "-Inf") {
      return -std::numeric_limits<double>::infinity();
    }
    if (s == "NaN") {
      return std::numeric_limits<double>::quiet_NaN();
    }
    if (s.empty()) {
      return std::nullopt;
    }
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != nullptr && *end == '\0') {
      return v;
    }
  }
  return std::nullopt;
}

double NumberAt(const nlohmann::json& j, std::string_view key, double fallback) {
  if (!j.is_object()) {
    return fallback;
  }
  const auto it = j.find(key);
  if (it == j.end()) {
    return fallback;
  }
  return Number(*it).value_or(fallback);
}

std::string TextAt(const nlohmann::json& j, std::string_view key, std::string_view fallback) {
  if (!j.is_object()) {
    return std::string(fallback);
  }
  const auto it = j.find(key);
  if (it == j.end()) {
    return std::string(fallback);
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_number_integer()) {
    return std::to_string(it->get<int64_t>());
  }
  if (it->is_number()) {
    return it->dump();
  }
  return std::string(fallback);
}

const nlohmann::json& At(const nlohmann::json& j, std::string_view key) {
  static const nlohmann::json kEmpty;
  if (!j.is_object()) {
    return kEmpty;
  }
  const auto it = j.find(key);
  return it == j.end() ? kEmpty : *it;
}

std::string HostOfAddress(std::string_view addr) {
  const size_t colon = addr.rfind(':');
  return std::string(colon == std::string_view::npos ? addr : addr.substr(0, colon));
}

}  // namespace swarmscope::ceph
