#include "exporters/ceph/daemon_counters.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "exporters/ceph/admin_socket.h"

namespace swarmscope::ceph {
namespace {

constexpr std::array<std::string_view, 6> kServices = {"mds",        "mon", "osd",
                                                       "rbd-mirror", "rgw", "tcmu-runner"};
// The services that report SLOW_OPS to the mgr, and the option their op tracker uses.
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kComplaintTime = {
    {{"osd", "osd_op_complaint_time"}, {"mon", "mon_op_complaint_time"}}};

constexpr std::string_view kPerfDump = R"({"prefix":"perf dump","format":"json"})";
constexpr std::string_view kPerfSchema = R"({"prefix":"perf schema","format":"json"})";
constexpr std::string_view kOps = R"({"prefix":"ops","format":"json"})";
// What the OSD answers to `ops` with osd_enable_op_tracker off (it then reports 0 slow ops).
constexpr std::string_view kTrackerOff = "op_tracker tracking is not enabled";

bool IsService(std::string_view type) {
  return std::find(kServices.begin(), kServices.end(), type) != kServices.end();
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<type>.<id>" or "client.<type>.<id>[.<pid>.<cctid>]" -> the daemon, if it is one.
std::optional<std::pair<std::string, std::string>> ParseEntity(std::string_view entity) {
  bool client = false;
  if (entity.starts_with("client.")) {
    client = true;
    entity.remove_prefix(7);
  }
  const size_t dot = entity.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == entity.size()) {
    return std::nullopt;
  }
  std::string_view type = entity.substr(0, dot);
  std::string_view id = entity.substr(dot + 1);
  if (client) {
    if (type == "radosgw") {
      type = "rgw";  // the old "client.radosgw.<name>" naming
    }
    if (type != "rgw" && type != "rbd-mirror" && type != "tcmu-runner") {
      return std::nullopt;  // a plain client (rados, rbd, the CLI, ...)
    }
    // A client's default socket name ends in ".$pid.$cctid".
    const size_t last = id.rfind('.');
    if (last != std::string_view::npos && last > 0 && AllDigits(id.substr(last + 1))) {
      const size_t before = id.rfind('.', last - 1);
      if (before != std::string_view::npos && before > 0 &&
          AllDigits(id.substr(before + 1, last - before - 1))) {
        id = id.substr(0, before);
      }
    }
  } else if (!IsService(type)) {
    return std::nullopt;  // mgr, mon of another kind, ...
  }
  if (id.empty()) {
    return std::nullopt;
  }
  return std::make_pair(std::string(type), std::string(id));
}

}  // namespace

std::vector<DaemonSocket> FindDaemonSockets(const std::string& dir, std::string_view cluster) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return {};
    }
    throw std::runtime_error("run dir " + dir + ": " + ec.message());
  }
  const std::string prefix = std::string(cluster) + "-";
  struct Found {
    DaemonSocket socket;
    fs::file_time_type mtime;
  };
  std::vector<Found> found;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      throw std::runtime_error("run dir " + dir + ": " + ec.message());
    }
    const std::string file = it->path().filename().string();
    if (!file.starts_with(prefix) || !file.ends_with(".asok") || file.size() <= prefix.size() + 5) {
      continue;
    }
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      continue;
    }
    auto entity =
        ParseEntity(std::string_view(file).substr(prefix.size(), file.size() - prefix.size() - 5));
    if (!entity) {
      continue;
    }
    Found f{{std::move(entity->first), std::move(entity->second), it->path().string()}, {}};
    f.mtime = it->last_write_time(type_ec);
    found.push_back(std::move(f));
  }
  if (ec) {
    throw std::runtime_error("run dir " + dir + ": " + ec.message());
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.socket.type != b.socket.type) {
      return a.socket.type < b.socket.type;
    }
    if (a.socket.id != b.socket.id) {
      return a.socket.id < b.socket.id;
    }
    return a.mtime > b.mtime;  // the newest first, kept below
  });
  std::vector<DaemonSocket> out;
  out.reserve(found.size());
  for (auto& f : found) {
    if (!out.empty() && out.back().type == f.socket.type && out.back().id == f.socket.id) {
      continue;
    }
    out.push_back(std::move(f.socket));
  }
  return out;
}

DaemonCounters::DaemonCounters(std::string dir, std::string cluster,
                               std::chrono::milliseconds timeout, ErrorReporter& errors,
                               LabelSet base)
    : dir_(std::move(dir)),
      cluster_(std::move(cluster)),
      timeout_(timeout),
      errors_(errors),
      base_(std::move(base)) {}

std::string DaemonCounters::Command(const DaemonSocket& socket, std::string_view command) {
  return AdminSocketCommand(socket.path, command, timeout_);
}

void DaemonCounters::LoadSchema(const DaemonSocket& socket, Cached& cached, const PerfDump& dump) {
  cached.schema = ParsePerfSchema(Command(socket, kPerfSchema));
  cached.paths.clear();
  for (const CounterSchema& c : cached.schema) {
    cached.paths.insert(c.path);
  }
  // What the dump has and a fresh schema still lacks does not ask for the schema again.
  cached.unknown.clear();
  for (const auto& [path, value] : dump) {
    if (!cached.paths.contains(path)) {
      cached.unknown.insert(path);
    }
  }
}

std::optional<uint64_t> DaemonCounters::ReadSlowOps(const DaemonSocket& socket) {
  const auto option = std::find_if(kComplaintTime.begin(), kComplaintTime.end(),
                                   [&](const auto& p) { return p.first == socket.type; });
  if (option == kComplaintTime.end()) {
    return std::nullopt;  // only mons and OSDs report SLOW_OPS to the mgr
  }
  const std::string name = socket.name();
  std::string step = "ops";
  try {
    const std::vector<double> ages = ParseOpsInFlight(Command(socket, kOps));
    if (ages.empty()) {
      return 0;
    }
    step = "config get";
    const std::string var(option->second);
    const double complaint = ParseConfigNumber(
        Command(socket, R"({"prefix":"config get","var":")" + var + R"(","format":"json"})"), var);
    return CountSlowOps(ages, complaint);
  } catch (const std::invalid_argument& e) {
    errors_.Report("parse", step + ": " + e.what(), {{"ceph_daemon", name}});
  } catch (const std::runtime_error& e) {
    if (std::string_view(e.what()).find(kTrackerOff) != std::string_view::npos) {
      return 0;  // as the daemon reports it with op tracking off
    }
    errors_.Report("admin_socket", e.what(), {{"ceph_daemon", name}});
  } catch (const std::exception& e) {
    errors_.Report("internal", step + ": " + e.what(), {{"ceph_daemon", name}});
  }
  return std::nullopt;
}

bool DaemonCounters::ReadDaemon(const DaemonSocket& socket, PerfDump& dump,
                                const PerfSchema*& schema, std::optional<uint64_t>& slow_ops) {
  const std::string name = socket.name();
  std::optional<SocketId> id;
  struct stat st {};
  if (::stat(socket.path.c_str(), &st) == 0) {
    id = SocketId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                  static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  std::string step = "perf dump";
  try {
    dump = ParsePerfDump(Command(socket, kPerfDump));
    auto [it, inserted] = cache_.try_emplace(name);
    Cached& cached = it->second;
    bool reload = inserted || !id || cached.socket != *id;
    for (auto p = dump.begin(); !reload && p != dump.end(); ++p) {
      reload = !cached.paths.contains(p->first) && !cached.unknown.contains(p->first);
    }
    if (reload) {
      step = "perf schema";
      LoadSchema(socket, cached, dump);
      cached.socket = id.value_or(SocketId{});
    }
    schema = &cached.schema;
  } catch (const std::invalid_argument& e) {
    errors_.Report("parse", step + ": " + e.what(), {{"ceph_daemon", name}});
    cache_.erase(name);
    return false;
  } catch (const std::runtime_error& e) {
    errors_.Report("admin_socket", e.what(), {{"ceph_daemon", name}});
    cache_.erase(name);
    return false;
  } catch (const std::exception& e) {  // a backstop: the refresh task must go on
    errors_.Report("internal", step + ": " + e.what(), {{"ceph_daemon", name}});
    cache_.erase(name);
    return false;
  }
  slow_ops = ReadSlowOps(socket);
  return true;
}

DaemonCounters::Result DaemonCounters::Refresh() {
  std::vector<DaemonSocket> sockets;
  try {
    sockets = FindDaemonSockets(dir_, cluster_);
  } catch (const std::runtime_error& e) {
    errors_.Report("run_dir", e.what());
  }
  // Forget the daemons whose sockets are gone.
  for (auto it = cache_.begin(); it != cache_.end();) {
    const bool present = std::any_of(sockets.begin(), sockets.end(),
                                     [&](const DaemonSocket& s) { return s.name() == it->first; });
    it = present ? std::next(it) : cache_.erase(it);
  }

  Result result;
  result.daemons = sockets.size();
  std::vector<PerfDump> dumps(sockets.size());
  std::vector<DaemonData> data(sockets.size());
  for (size_t i = 0; i < sockets.size(); ++i) {
    DaemonData& d = data[i];
    d.type = sockets[i].type;
    d.id = sockets[i].id;
    const PerfSchema* schema = nullptr;
    d.up = ReadDaemon(sockets[i], dumps[i], schema, d.slow_ops);
    if (d.up) {
      d.schema = schema;
      d.dump = &dumps[i];
    } else {
      ++result.failed;
    }
  }
  // Texts of daemons long gone (names with a pointer in them change at every restart) are
  // dropped now and then; writer_ refers to none of them between refreshes.
  if (texts_.size() > 100000) {
    texts_.Clear();
  }
  WriteDaemonCounters(data, base_, writer_, texts_);
  result.text = std::make_shared<const std::string>(writer_.TakeBuffer());
  // The next exposition is about as big: start it with the room.
  std::string next;
  next.reserve(result.text->size() + result.text->size() / 8);
  writer_.AdoptBuffer(std::move(next));
  return result;
}

}  // namespace swarmscope::ceph
