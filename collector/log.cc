#include "collector/log.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace swarmscope {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms.count()));
  return buf;
}

// logfmt value: bare when it has no space, quote, `=` or control byte; quoted otherwise.
void AppendLogfmtValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") {
    return LogLevel::kDebug;
  }
  if (text == "info") {
    return LogLevel::kInfo;
  }
  if (text == "warn") {
    return LogLevel::kWarn;
  }
  if (text == "error") {
    return LogLevel::kError;
  }
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "logfmt") {
    return LogFormat::kLogfmt;
  }
  if (text == "json") {
    return LogFormat::kJson;
  }
  return std::nullopt;
}

std::string Logger::Format(LogLevel level, std::string_view msg,
                           const std::vector<LogField>& fields) const {
  const std::string ts = Timestamp();
  if (format_ == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["ts"] = ts;
    line["level"] = LevelName(level);
    line["msg"] = msg;
    for (const auto& [k, v] : fields) {
      line[std::string(k)] = v;
    }
    // Replace invalid UTF-8 rather than throw: log input may come from files and sockets.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string out = "ts=" + ts + " level=";
  out += LevelName(level);
  out += " msg=";
  AppendLogfmtValue(out, msg);
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += k;
    out += '=';
    AppendLogfmtValue(out, v);
  }
  out += '\n';
  return out;
}

void Logger::Log(LogLevel level, std::string_view msg, const std::vector<LogField>& fields) {
  if (!Enabled(level)) {
    return;
  }
  const std::string line = Format(level, msg, fields);
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

bool RateLimitedLog::Warn(std::string_view cause, std::string_view msg,
                          const std::vector<LogField>& fields) {
  const auto now = std::chrono::steady_clock::now();
  uint64_t suppressed = 0;
  {
    std::lock_guard lock(mu_);
    auto it = causes_.find(cause);
    if (it == causes_.end()) {
      causes_.emplace(std::string(cause), State{now, 0});
    } else if (now - it->second.last < interval_) {
      ++it->second.suppressed;
      return false;
    } else {
      suppressed = it->second.suppressed;
      it->second = State{now, 0};
    }
  }
  std::vector<LogField> all(fields);
  const std::string count = std::to_string(suppressed);
  if (suppressed > 0) {
    all.emplace_back("suppressed", count);
  }
  log_.Log(LogLevel::kWarn, msg, all);
  return true;
}

}  // namespace swarmscope
