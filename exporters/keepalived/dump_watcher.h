#pragma once

// keepalived's dumps as the deployment refreshes them in a shared directory
// (--keepalived.dump-dir). keepalived writes them in place, not atomically (2.2.7 renames an
// empty file over the old one, then writes it in 4 KB pieces; 1.3.5 truncates and
// rewrites), so a file is read only once it is complete: at inotify's IN_CLOSE_WRITE, or,
// for a change inotify did not report (another kernel's file system), when a periodic look
// finds it changed and then left alone for a moment. A file whose size or mtime moved while
// it was read, or that does not parse, is not used: the last good copy stays, and the
// problem is counted. swarmscope never signals keepalived.

#include <chrono>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "collector/exporter.h"
#include "exporters/keepalived/dump_parsers.h"

namespace swarmscope::keepalived {

struct DumpFiles {
  std::optional<DataDump> data;
  std::optional<std::vector<InstanceStats>> stats;
  std::optional<std::vector<JsonInstance>> json;
  /// The mtimes of the copies above (when keepalived wrote them).
  std::chrono::system_clock::time_point data_time, stats_time, json_time;
};

class DumpWatcher {
 public:
  DumpWatcher(std::string dir, ErrorReporter& errors);
  ~DumpWatcher();
  DumpWatcher(const DumpWatcher&) = delete;
  DumpWatcher& operator=(const DumpWatcher&) = delete;

  /// Reads what is there, then follows the directory until `stop`.
  void Run(std::stop_token stop);
  /// Looks at the three files once (what Run does periodically); for tests.
  void CheckAll(bool settled_only);

  DumpFiles Snapshot() const;

 private:
  enum Kind { kData, kStats, kJson };
  struct Seen {
    int64_t size = -1;
    int64_t mtime_ns = -1;
  };
  void Check(Kind kind, bool settled_only);
  bool Read(Kind kind, const std::string& path);

  std::string dir_;
  ErrorReporter& errors_;
  Seen tried_[3];  // what the last read attempt of each file saw (reader thread only)
  mutable std::mutex mu_;
  DumpFiles files_;
};

}  // namespace swarmscope::keepalived
