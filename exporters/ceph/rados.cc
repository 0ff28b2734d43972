#include "exporters/ceph/rados.h"

#include <dlfcn.h>
#include <rados/librados.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace swarmscope::ceph {
namespace {

// The few librados functions used, looked up once in the library opened at run time.
struct Library {
  decltype(&rados_version) version = nullptr;
  decltype(&rados_create2) create2 = nullptr;
  decltype(&rados_conf_read_file) conf_read_file = nullptr;
  decltype(&rados_conf_set) conf_set = nullptr;
  decltype(&rados_connect) connect = nullptr;
  decltype(&rados_shutdown) shutdown = nullptr;
  decltype(&rados_mon_command) mon_command = nullptr;
  decltype(&rados_mgr_command) mgr_command = nullptr;
  decltype(&rados_buffer_free) buffer_free = nullptr;
  std::string error;  // why it could not be opened
};

template <typename F>
void Bind(void* handle, const char* name, F& fn, std::string& error) {
  fn = reinterpret_cast<F>(dlsym(handle, name));
  if (fn == nullptr && error.empty()) {
    error = std::string("librados.so.2 has no ") + name;
  }
}

const Library& Rados() {
  static const Library lib = [] {
    Library l;
    // RTLD_LOCAL: librados' own Boost and C++ symbols stay out of the global scope.
    void* handle = dlopen("librados.so.2", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      l.error = std::string(
                    "cannot load librados (install librados2, or use the image with "
                    "Ceph support): ") +
                (why != nullptr ? why : "unknown error");
      return l;
    }
    Bind(handle, "rados_version", l.version, l.error);
    Bind(handle, "rados_create2", l.create2, l.error);
    Bind(handle, "rados_conf_read_file", l.conf_read_file, l.error);
    Bind(handle, "rados_conf_set", l.conf_set, l.error);
    Bind(handle, "rados_connect", l.connect, l.error);
    Bind(handle, "rados_shutdown", l.shutdown, l.error);
    Bind(handle, "rados_mon_command", l.mon_command, l.error);
    Bind(handle, "rados_mgr_command", l.mgr_command, l.error);
    Bind(handle, "rados_buffer_free", l.buffer_free, l.error);
    return l;  // the handle stays open for the life of the process
  }();
  return lib;
}

std::string Errno(int rc) { return std::strerror(rc < 0 ? -rc : rc); }

std::string Seconds(std::chrono::milliseconds d) {
  // librados takes whole seconds; round up so that a sub-second value is not "no timeout".
  const auto s = (d.count() + 999) / 1000;
  return std::to_string(s < 1 ? 1 : s);
}

class RadosCluster : public Cluster {
 public:
  RadosCluster(const Library& lib, rados_t handle) : lib_(lib), handle_(handle) {}
  ~RadosCluster() override { lib_.shutdown(handle_); }
  RadosCluster(const RadosCluster&) = delete;
  RadosCluster& operator=(const RadosCluster&) = delete;

  CommandResult Command(Target target, const std::string& json) override {
    const char* cmd[] = {json.c_str()};
    char* out = nullptr;
    size_t out_len = 0;
    char* status = nullptr;
    size_t status_len = 0;
    auto* fn = target == Target::kMgr ? lib_.mgr_command : lib_.mon_command;
    CommandResult r;
    r.rc = fn(handle_, cmd, 1, "", 0, &out, &out_len, &status, &status_len);
    if (out != nullptr) {
      r.out.assign(out, out_len);
      lib_.buffer_free(out);
    }
    if (status != nullptr) {
      r.status.assign(status, status_len);
      lib_.buffer_free(status);
    }
    if (r.rc != 0 && r.status.empty()) {
      r.status = Errno(r.rc);
    }
    return r;
  }

 private:
  const Library& lib_;
  rados_t handle_;
};

}  // namespace

std::string EntityName(std::string_view user) {
  for (std::string_view type : {"client.", "mon.", "mgr.", "osd.", "mds."}) {
    if (user.starts_with(type)) {
      return std::string(user);
    }
  }
  return "client." + std::string(user);
}

std::string RadosVersion() {
  const Library& lib = Rados();
  if (!lib.error.empty()) {
    return "";
  }
  int major = 0;
  int minor = 0;
  int extra = 0;
  lib.version(&major, &minor, &extra);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(extra);
}

std::unique_ptr<Cluster> Connect(const ConnectOptions& o) {
  const Library& lib = Rados();
  if (!lib.error.empty()) {
    throw std::runtime_error(lib.error);
  }
  rados_t handle = nullptr;
  const std::string entity = EntityName(o.user);
  int rc = lib.create2(&handle, o.cluster.c_str(), entity.c_str(), 0);
  if (rc < 0) {
    throw std::runtime_error("rados_create2 for " + entity + " failed: " + Errno(rc));
  }
  auto cluster = std::make_unique<RadosCluster>(lib, handle);
  const auto set = [&](const char* option, const std::string& value) {
    const int r = lib.conf_set(handle, option, value.c_str());
    if (r < 0) {
      throw std::runtime_error(std::string("setting ") + option + " failed: " + Errno(r));
    }
  };
  rc = lib.conf_read_file(handle, o.config.empty() ? nullptr : o.config.c_str());
  if (rc < 0) {
    throw std::runtime_error("cannot read the Ceph configuration " +
                             (o.config.empty() ? std::string("(default search path)") : o.config) +
                             ": " + Errno(rc) + " (--ceph.config)");
  }
  if (!o.keyring.empty()) {
    set("keyring", o.keyring);
  }
  // Before connecting: a dead monitor must not hold a connect or a command for librados'
  // defaults (300 s to mount, no limit on commands).
  set("client_mount_timeout", Seconds(o.connect_timeout));
  set("rados_mon_op_timeout", Seconds(o.mon_op_timeout));
  set("rados_osd_op_timeout", Seconds(o.osd_op_timeout));
  // A client admin socket would be created in /var/run/ceph (read-only in the container)
  // and librados' own log lines would interleave with ours.
  set("admin_socket", "");
  set("log_file", "");
  set("log_to_stderr", "false");
  set("err_to_stderr", "false");
  rc = lib.connect(handle);
  if (rc < 0) {
    std::string why;
    switch (-rc) {
      case EACCES:
      case EPERM:
        why = "authentication refused for " + entity +
              ": check --ceph.user and --ceph.keyring (the key must match the cluster's)";
        break;
      case ETIMEDOUT:
        why = "no monitor answered within " + Seconds(o.connect_timeout) +
              " s (--ceph.connect-timeout; is `mon host` in " + o.config + " right?)";
        break;
      case ENOENT:
        why = "no keyring or monitor address found for " + entity + " (--ceph.keyring, " +
              o.config + ")";
        break;
      default:
        why = "connecting as " + entity + " failed: " + Errno(rc);
    }
    throw std::runtime_error(why);
  }
  return cluster;
}

}  // namespace swarmscope::ceph
