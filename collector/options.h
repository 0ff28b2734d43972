#pragma once

// Typed exporter options: a plain struct per exporter, whose members are bound to flags once,
// next to the struct. The flag parser stores each checked value straight into its member, so
// an exporter never looks a flag up by name at run time.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace swarmscope {

/// How a flag's value is checked.
enum class FlagKind {
  kString,
  kBool,
  kInt,
  kDuration,
  kList,
  kLogLevel,
  kLogFormat,
  kPath,
  kHttpUrl
};

/// One command-line flag. Every flag `--a.b-c` is also read from `SWARMSCOPE_A_B_C`.
struct FlagSpec {
  std::string name;  ///< without leading dashes, e.g. "web.listen-address"
  FlagKind kind;
  std::string default_value;  ///< as text, checked like a user's value
  std::string help;
  std::vector<std::string> choices = {};  ///< when set, the only values accepted
  /// For a flag bound to an options struct: stores the checked value into it.
  std::function<void(void* options, std::string_view value)> store = {};
};

/// An option holding an http:// or https:// URL, or nothing (empty: the feature is off).
/// Checked when the flags are parsed: anything else is a start-up error.
struct HttpUrl {
  std::string text;
  bool empty() const { return text.empty(); }
};

/// Whether `text` is empty or an http(s) URL with a host ("" if so, else why not).
std::string CheckHttpUrl(std::string_view text);

/// Parses "true"/"false" (also 1/0, yes/no) as used by flags and env.
std::optional<bool> ParseBool(std::string_view text);
/// Parses a Prometheus-style duration: "1h30m", "10s", "250ms", "1d". Rejects negatives,
/// empty strings and unknown units.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::milliseconds d);
/// A comma-separated list, items trimmed, empty items left out.
std::vector<std::string> ParseList(std::string_view text);
std::string FormatList(const std::vector<std::string>& items);

namespace options_detail {

template <typename T>
struct Codec;

template <>
struct Codec<std::string> {
  static constexpr FlagKind kKind = FlagKind::kString;
  static std::string Format(const std::string& v) { return v; }
  static std::string Parse(std::string_view text) { return std::string(text); }
};
template <>
struct Codec<bool> {
  static constexpr FlagKind kKind = FlagKind::kBool;
  static std::string Format(bool v) { return v ? "true" : "false"; }
  static bool Parse(std::string_view text) { return ParseBool(text).value_or(false); }
};
template <>
struct Codec<int64_t> {
  static constexpr FlagKind kKind = FlagKind::kInt;
  static std::string Format(int64_t v) { return std::to_string(v); }
  static int64_t Parse(std::string_view text);
};
template <>
struct Codec<std::chrono::milliseconds> {
  static constexpr FlagKind kKind = FlagKind::kDuration;
  static std::string Format(std::chrono::milliseconds v) { return FormatDuration(v); }
  static std::chrono::milliseconds Parse(std::string_view text) {
    return ParseDuration(text).value_or(std::chrono::milliseconds(0));
  }
};
template <>
struct Codec<HttpUrl> {
  static constexpr FlagKind kKind = FlagKind::kHttpUrl;
  static std::string Format(const HttpUrl& v) { return v.text; }
  static HttpUrl Parse(std::string_view text) { return HttpUrl{std::string(text)}; }
};
template <>
struct Codec<std::vector<std::string>> {
  static constexpr FlagKind kKind = FlagKind::kList;
  static std::string Format(const std::vector<std::string>& v) { return FormatList(v); }
  static std::vector<std::string> Parse(std::string_view text) { return ParseList(text); }
};

}  // namespace options_detail

/// The flags of one options struct `Options`, each bound to a member. Defaults are the
/// members' initial values in a default-constructed `Options`.
///
///   struct DockerOptions { std::string host = "unix:///var/run/docker.sock"; ... };
///   OptionTable<DockerOptions> t;
///   t.Add(&DockerOptions::host, "host", "Docker Engine API endpoint ...");
///
/// Names are relative: an exporter's table gets the prefix `<exporter>.` (see
/// DefineExporter), so every exporter follows the same naming rule.
template <typename Options>
class OptionTable {
 public:
  template <typename T>
  OptionTable& Add(T Options::*member, std::string name, std::string help,
                   std::vector<std::string> choices = {}) {
    using C = options_detail::Codec<T>;
    const Options defaults{};
    flags_.push_back({std::move(name), C::kKind, C::Format(defaults.*member), std::move(help),
                      std::move(choices), [member](void* options, std::string_view value) {
                        static_cast<Options*>(options)->*member = C::Parse(value);
                      }});
    return *this;
  }

  /// The flags, their names prefixed with `prefix` (e.g. "docker.").
  std::vector<FlagSpec> Flags(std::string_view prefix) const {
    std::vector<FlagSpec> out = flags_;
    for (auto& f : out) {
      f.name = std::string(prefix) + f.name;
    }
    return out;
  }

 private:
  std::vector<FlagSpec> flags_;
};

}  // namespace swarmscope
