#pragma once

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarmscope {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::optional<LogFormat> ParseLogFormat(std::string_view text);

/// Key/value pairs of one log line, after `msg`.
using LogField = std::pair<std::string_view, std::string_view>;
using LogFields = std::initializer_list<LogField>;

/// Structured logger (logfmt or JSON lines) to a stdio stream. Thread-safe: every line
/// goes out in one write.
class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::kInfo, LogFormat format = LogFormat::kLogfmt,
                  std::FILE* out = stderr)
      : level_(level), format_(format), out_(out) {}

  bool Enabled(LogLevel level) const { return level >= level_; }
  void Log(LogLevel level, std::string_view msg, LogFields fields = {}) {
    Log(level, msg, std::vector<LogField>(fields));
  }
  void Log(LogLevel level, std::string_view msg, const std::vector<LogField>& fields);
  void Debug(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kDebug, msg, fields); }
  void Info(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kInfo, msg, fields); }
  void Warn(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kWarn, msg, fields); }
  void Error(std::string_view msg, LogFields fields = {}) { Log(LogLevel::kError, msg, fields); }

  /// Formats one line without writing it (for tests).
  std::string Format(LogLevel level, std::string_view msg,
                     const std::vector<LogField>& fields) const;

 private:
  LogLevel level_;
  LogFormat format_;
  std::FILE* out_;
  std::mutex mu_;
};

/// Logs a recurring problem once per cause, then at most once per `interval` with the count
/// of occurrences that were not logged. Thread-safe.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(Logger& log,
                          std::chrono::steady_clock::duration interval = std::chrono::minutes(10))
      : log_(log), interval_(interval) {}

  /// Returns true when this occurrence was logged.
  bool Warn(std::string_view cause, std::string_view msg, LogFields fields = {}) {
    return Warn(cause, msg, std::vector<LogField>(fields));
  }
  bool Warn(std::string_view cause, std::string_view msg, const std::vector<LogField>& fields);

 private:
  struct State {
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;
  };
  Logger& log_;
  std::chrono::steady_clock::duration interval_;
  std::mutex mu_;
  std::map<std::string, State, std::less<>> causes_;
};

}  // namespace swarmscope
