// Helpers shared by the libFuzzer targets.
#pragma once

#include <optional>
#include <stdexcept>
#include <type_traits>

namespace swarmscope::fuzz {

/// Runs f, swallowing std::invalid_argument: the only exception the parsers may throw on bad
/// input. Returns whether f returned (for a void f), else its result or nullopt.
template <typename F>
auto Try(F&& f) {
  using R = decltype(f());
  if constexpr (std::is_void_v<R>) {
    try {
      f();
      return true;
    } catch (const std::invalid_argument&) {
      return false;
    }
  } else {
    try {
      return std::optional<R>(f());
    } catch (const std::invalid_argument&) {
      return std::optional<R>();
    }
  }
}

/// A property every input must keep: a violation stops the fuzzer with the input.
inline void Check(bool ok) {
  if (!ok) {
    __builtin_trap();
  }
}

}  // namespace swarmscope::fuzz
