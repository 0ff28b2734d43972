#pragma once

// JSON as Ceph prints it: parsed with nlohmann, tolerating what Ceph gets wrong.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace swarmscope::ceph {

/// Largest command output accepted (a bigger one is refused, counted as "oversized").
inline constexpr size_t kMaxOutputBytes = 256u << 20;

/// Ceph (Reef) prints bare `inf`, `-inf` and `nan` as JSON numbers. Returns the text with
/// each such token outside strings replaced by the string "+Inf"/"-Inf"/"NaN", or nullopt
/// when there is none (the common case: no copy).
std::optional<std::string> QuoteNonFiniteNumbers(std::string_view text);

/// Parses `text` (after QuoteNonFiniteNumbers). Throws std::invalid_argument with a short
/// reason (truncated, garbage, oversized, ...). `keep` (optional) filters members while
/// parsing, as nlohmann's parser callback does, to keep big documents small in memory.
nlohmann::json ParseJson(std::string_view text, const nlohmann::json::parser_callback_t& keep = {});

/// A number as Ceph writes it: a JSON number, a numeric string, or "+Inf"/"-Inf"/"NaN" (see
/// above). nullopt for anything else.
std::optional<double> Number(const nlohmann::json& j);
/// j[key] as a number, or `fallback` when absent or not numeric.
double NumberAt(const nlohmann::json& j, std::string_view key, double fallback = 0);
/// j[key] as text: strings as they are, numbers printed, else `fallback`.
std::string TextAt(const nlohmann::json& j, std::string_view key, std::string_view fallback = "");
/// j[key] if it is an object/array, else a shared empty value.
const nlohmann::json& At(const nlohmann::json& j, std::string_view key);

/// "127.0.0.1:6789/0" -> "127.0.0.1:6789/0".rsplit(':', 1)[0] = "127.0.0.1" (the mgr
/// module's address label).
std::string HostOfAddress(std::string_view addr);

}  // namespace swarmscope::ceph
