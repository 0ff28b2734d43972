#pragma once

// The exporter's I/O on files: cgroup and /proc files are opened once and re-read with
// pread() on the descriptor kept open between scrapes (about a quarter of the cost of
// open+read+close on cgroupfs), within a budget of descriptors; past the budget, files are
// read with open/read/close, so running out of descriptors costs speed, never data.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace swarmscope::cgroup {

/// How the end of a file is found without a read that returns 0.
enum class FileShape {
  /// The kernel renders the whole file in one go (most cgroup files, /proc/<pid>/stat and
  /// io): a read that returns less than asked for has reached the end.
  kWhole,
  /// A seq file of many small records (cgroup.procs, tasks, /proc/<pid>/net/dev): a read
  /// returns at most about a page; a short read below half a page is the end.
  kRecords,
  /// Records of any size (mountinfo): read until a read returns 0.
  kUntilEof,
};

/// A growable byte buffer that files are read into, reused across reads (unlike
/// std::string, growing it does not zero-fill what the next read overwrites anyway).
class ReadBuffer {
 public:
  std::string_view text() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }
  void Clear() { size_ = 0; }
  /// Room for at least `n` more bytes after text(); returns where they go.
  char* Room(size_t n);
  size_t room() const { return capacity_ - size_; }
  void Commit(size_t n) { size_ += n; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

/// Reads the whole of `fd` from offset 0 into `out` (cleared first). Returns 0, or the
/// errno of the failed read.
int PreadAll(int fd, ReadBuffer& out, FileShape shape);

/// How many descriptors the exporter may keep open.
class DescriptorBudget {
 public:
  explicit DescriptorBudget(size_t limit) : limit_(limit) {}

  /// Raises this process's soft RLIMIT_NOFILE to its hard limit, and returns the budget the
  /// limit leaves once room is kept for the rest of the daemon (a quarter of the limit, at
  /// least 128 and at most 1024 descriptors, and never more than half). `soft_before` and
  /// `soft_after` report the soft limit.
  static DescriptorBudget ForThisProcess(uint64_t* soft_before = nullptr,
                                         uint64_t* soft_after = nullptr);

  bool TryAcquire() {
    if (held_ >= limit_) {
      reached_ = true;
      return false;
    }
    ++held_;
    return true;
  }
  void Release() {
    if (held_ > 0) {
      --held_;
    }
  }
  size_t held() const { return held_; }
  size_t limit() const { return limit_; }
  /// Whether a file was ever left to open/read/close because the budget was spent.
  bool reached() const { return reached_; }

 private:
  size_t limit_;
  size_t held_ = 0;
  bool reached_ = false;
};

/// A file re-read between scrapes: its descriptor, or -1 when not open (never opened, could
/// not be opened, or read with open/read/close because the budget was spent).
struct KeptFile {
  int fd = -1;
};

/// Outcome of reading one file.
enum class ReadStatus {
  kOk,       ///< the text is in the output buffer
  kMissing,  ///< cannot be opened or read: no data (opening is tried again next scrape)
  kGone,     ///< the cgroup (ENODEV) or the process (ESRCH) went away
};

/// Reads files through KeptFiles within a DescriptorBudget. Not thread-safe (one scrape at
/// a time).
class FileReader {
 public:
  explicit FileReader(DescriptorBudget& budget) : budget_(budget) {}

  /// Reads the file `build_path(path)` names (relative to the directory `dir_fd`, or
  /// AT_FDCWD) into `out`, through `file`. The path is only built when the file must be
  /// opened.
  template <typename BuildPath>
  ReadStatus Read(KeptFile& file, int dir_fd, BuildPath&& build_path, FileShape shape,
                  ReadBuffer& out) {
    if (file.fd >= 0) {
      return ReadKept(file, shape, out);
    }
    path_.clear();
    build_path(path_);
    return OpenAndRead(file, dir_fd, shape, out);
  }

  /// Reads the file `build_path(path)` names into `out` with open/read/close, keeping no
  /// descriptor (for files read rarely, such as resource limits).
  template <typename BuildPath>
  ReadStatus ReadOnce(int dir_fd, BuildPath&& build_path, FileShape shape, ReadBuffer& out) {
    path_.clear();
    build_path(path_);
    return OpenReadClose(dir_fd, shape, out);
  }

  /// A descriptor of the directory `build_path(path)` names (for cgroupstats): the kept one,
  /// else opened and kept; -1 if it cannot be opened. `*temporary` says the caller must
  /// CloseTemporary() it (the budget was spent).
  template <typename BuildPath>
  int Directory(KeptFile& file, int dir_fd, BuildPath&& build_path, bool* temporary) {
    *temporary = false;
    if (file.fd >= 0) {
      return file.fd;
    }
    path_.clear();
    build_path(path_);
    return OpenDirectory(file, dir_fd, temporary);
  }
  static void CloseTemporary(int fd);

  /// Closes `file` (if open) and gives its descriptor back to the budget.
  void Close(KeptFile& file);

  /// Files read with open/read/close (past the budget) since the last call.
  uint64_t TakeFallbackReads() { return std::exchange(fallback_reads_, 0); }
  /// Files that could not be opened at all since the last call, the process being out of
  /// descriptors (EMFILE, ENFILE): their metrics were left out.
  uint64_t TakeOutOfDescriptors() { return std::exchange(out_of_descriptors_, 0); }
  DescriptorBudget& budget() { return budget_; }

 private:
  ReadStatus ReadKept(KeptFile& file, FileShape shape, ReadBuffer& out);
  ReadStatus OpenAndRead(KeptFile& file, int dir_fd, FileShape shape, ReadBuffer& out);
  ReadStatus OpenReadClose(int dir_fd, FileShape shape, ReadBuffer& out);
  int OpenDirectory(KeptFile& file, int dir_fd, bool* temporary);

  DescriptorBudget& budget_;
  std::string path_;
  uint64_t fallback_reads_ = 0;
  uint64_t out_of_descriptors_ = 0;
};

}  // namespace swarmscope::cgroup
