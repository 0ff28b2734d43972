#include "collector/process_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace swarmscope {
namespace {

// Splits off the next space-separated field.
std::string_view NextField(std::string_view& rest) {
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  const size_t end = rest.find(' ');
  std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  const size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(paren + 1);
  // Field 3 (state) is the first after ')'; we need fields 14, 15, 20, 22, 23, 24.
  ProcStat st;
  for (int field = 3; field <= 24; ++field) {
    const std::string_view f = NextField(rest);
    if (f.empty()) {
      return std::nullopt;
    }
    bool ok = true;
    switch (field) {
      case 14:
        ok = ParseNumber(f, st.utime_ticks);
        break;
      case 15:
        ok = ParseNumber(f, st.stime_ticks);
        break;
      case 20:
        ok = ParseNumber(f, st.num_threads);
        break;
      case 22:
        ok = ParseNumber(f, st.starttime_ticks);
        break;
      case 23:
        ok = ParseNumber(f, st.vsize_bytes);
        break;
      case 24:
        ok = ParseNumber(f, st.rss_pages);
        break;
      default:
        break;
    }
    if (!ok) {
      return std::nullopt;
    }
  }
  return st;
}

std::optional<uint64_t> ParseBootTime(std::string_view proc_stat) {
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    size_t end = proc_stat.find('\n', pos);
    if (end == std::string_view::npos) {
      end = proc_stat.size();
    }
    std::string_view line = proc_stat.substr(pos, end - pos);
    if (line.substr(0, 6) == "btime ") {
      uint64_t v = 0;
      if (ParseNumber(line.substr(6), v)) {
        return v;
      }
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace swarmscope
