#include "exporters/cgroup/kept_files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace swarmscope::cgroup {
namespace {

constexpr size_t kInitialBuffer = 4096;
// A seq file hands out about a page per read when more records follow; less than half a
// page means it had nothing more to give (records here are far smaller than that).
constexpr size_t kRecordsShortRead = 2048;

// The first read returns the whole file for kWhole files, so most files cost one pread.
bool AtEnd(FileShape shape, size_t got, size_t asked) {
  if (got == 0) {
    return true;
  }
  if (got >= asked) {
    return false;
  }
  switch (shape) {
    case FileShape::kWhole:
      return true;
    case FileShape::kRecords:
      return got < kRecordsShortRead;
    case FileShape::kUntilEof:
      return false;
  }
  return false;
}

bool IsGone(int error) { return error == ENODEV || error == ESRCH; }

}  // namespace

char* ReadBuffer::Room(size_t n) {
  if (capacity_ - size_ < n) {
    const size_t capacity = std::max({kInitialBuffer, capacity_ * 2, size_ + n});
    auto data = std::make_unique<char[]>(capacity);
    if (size_ > 0) {
      std::memcpy(data.get(), data_.get(), size_);
    }
    data_ = std::move(data);
    capacity_ = capacity;
  }
  return data_.get() + size_;
}

int PreadAll(int fd, ReadBuffer& out, FileShape shape) {
  out.Clear();
  for (;;) {
    char* at = out.Room(out.room() > 0 ? 1 : kInitialBuffer);
    const size_t asked = out.room();
    const ssize_t n = ::pread(fd, at, asked, static_cast<off_t>(out.size()));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int error = errno;
      out.Clear();
      return error;
    }
    out.Commit(static_cast<size_t>(n));
    if (AtEnd(shape, static_cast<size_t>(n), asked)) {
      return 0;
    }
  }
}

DescriptorBudget DescriptorBudget::ForThisProcess(uint64_t* soft_before, uint64_t* soft_after) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    limit.rlim_cur = limit.rlim_max = 1024;
  }
  if (soft_before != nullptr) {
    *soft_before = limit.rlim_cur;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  if (soft_after != nullptr) {
    *soft_after = limit.rlim_cur;
  }
  // RLIM_INFINITY is not a usable count: the kernel caps descriptors at fs.nr_open anyway.
  const uint64_t soft = std::min<uint64_t>(limit.rlim_cur, uint64_t{1} << 20);
  // HTTP connections (--web.max-connections, 64 by default), the Docker client and the
  // sanitizers' own pipes need room too, even under a small limit.
  const uint64_t reserve =
      std::min<uint64_t>(soft / 2, std::max<uint64_t>(128, std::min<uint64_t>(soft / 4, 1024)));
  return DescriptorBudget(static_cast<size_t>(soft - reserve));
}

void FileReader::CloseTemporary(int fd) {
  if (fd >= 0) {
    ::close(fd);
  }
}

void FileReader::Close(KeptFile& file) {
  if (file.fd >= 0) {
    ::close(file.fd);
    file.fd = -1;
    budget_.Release();
  }
}

ReadStatus FileReader::ReadKept(KeptFile& file, FileShape shape, ReadBuffer& out) {
  const int error = PreadAll(file.fd, out, shape);
  if (error == 0) {
    return ReadStatus::kOk;
  }
  // Whatever went wrong, the next scrape opens the file afresh.
  Close(file);
  return IsGone(error) ? ReadStatus::kGone : ReadStatus::kMissing;
}

ReadStatus FileReader::OpenAndRead(KeptFile& file, int dir_fd, FileShape shape, ReadBuffer& out) {
  const int fd = ::openat(dir_fd, path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == EMFILE || error == ENFILE) {
      ++out_of_descriptors_;  // this file is no data this time
    }
    return IsGone(error) ? ReadStatus::kGone : ReadStatus::kMissing;
  }
  const int error = PreadAll(fd, out, shape);
  if (error == 0 && budget_.TryAcquire()) {
    file.fd = fd;
    return ReadStatus::kOk;
  }
  ::close(fd);
  if (error != 0) {
    return IsGone(error) ? ReadStatus::kGone : ReadStatus::kMissing;
  }
  ++fallback_reads_;
  return ReadStatus::kOk;
}

ReadStatus FileReader::OpenReadClose(int dir_fd, FileShape shape, ReadBuffer& out) {
  const int fd = ::openat(dir_fd, path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == EMFILE || error == ENFILE) {
      ++out_of_descriptors_;
    }
    return IsGone(error) ? ReadStatus::kGone : ReadStatus::kMissing;
  }
  const int error = PreadAll(fd, out, shape);
  ::close(fd);
  if (error != 0) {
    return IsGone(error) ? ReadStatus::kGone : ReadStatus::kMissing;
  }
  return ReadStatus::kOk;
}

int FileReader::OpenDirectory(KeptFile& file, int dir_fd, bool* temporary) {
  const int fd = ::openat(dir_fd, path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return -1;
  }
  if (budget_.TryAcquire()) {
    file.fd = fd;
  } else {
    *temporary = true;
  }
  return fd;
}

}  // namespace swarmscope::cgroup
