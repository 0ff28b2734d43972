#include "exporters/docker/docker_client.h"

#include <curl/curl.h>

#include <charconv>
#include <mutex>

namespace swarmscope::docker {
namespace {

struct Transfer {
  std::string* body;
  std::string* api_version;
  const std::function<bool(std::string_view)>* on_data;
  const std::function<bool()>* should_stop;
  bool stopped_by_callback = false;
  bool stopped_by_caller = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->on_data != nullptr) {
    if (!(*t->on_data)(std::string_view(data, len))) {
      t->stopped_by_callback = true;
      return 0;  // makes curl abort the transfer
    }
    return len;
  }
  t->body->append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "api-version:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(line[i])) != kName[i]) {
        match = false;
        break;
      }
    }
    if (match) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && (v.front() == ' ')) {
        v.remove_prefix(1);
      }
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
        v.remove_suffix(1);
      }
      *t->api_version = std::string(v);
    }
  }
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->should_stop != nullptr && (*t->should_stop)()) {
    t->stopped_by_caller = true;
    return 1;
  }
  return 0;
}

std::pair<int, int> SplitVersion(std::string_view v) {
  int major = 0;
  int minor = 0;
  const size_t dot = v.find('.');
  std::from_chars(v.data(), v.data() + (dot == std::string_view::npos ? v.size() : dot), major);
  if (dot != std::string_view::npos) {
    std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
  }
  return {major, minor};
}

}  // namespace

int CompareApiVersions(std::string_view a, std::string_view b) {
  const auto x = SplitVersion(a);
  const auto y = SplitVersion(b);
  if (x == y) {
    return 0;
  }
  return x < y ? -1 : 1;
}

Client::Client(std::string host, std::chrono::milliseconds connect_timeout,
               std::chrono::milliseconds request_timeout)
    : connect_timeout_(connect_timeout), request_timeout_(request_timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_NOTHING); });
  if (host.rfind("unix://", 0) == 0) {
    socket_path_ = host.substr(7);
    base_url_ = "http://docker";
  } else if (host.rfind("tcp://", 0) == 0) {
    base_url_ = "http://" + host.substr(6);
  } else {
    base_url_ = host;
  }
  curl_ = curl_easy_init();
}

Client::~Client() {
  if (curl_ != nullptr) {
    curl_easy_cleanup(static_cast<CURL*>(curl_));
  }
}

Response Client::Perform(const std::string& url, bool stream,
                         const std::function<bool(std::string_view)>* on_data,
                         const std::function<bool()>* should_stop) {
  Response r;
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) {
    r.error = "curl_easy_init failed";
    return r;
  }
  ++requests_;
  // Reset options but keep the connection cache: the next request reuses the connection.
  curl_easy_reset(c);
  Transfer t{&r.body, &r.api_version, on_data, should_stop};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);  // the only method this client has
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!socket_path_.empty()) {
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  }
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   stream ? 0L : static_cast<long>(request_timeout_.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  std::function<bool()> stop_check = [&] {
    return (should_stop != nullptr && (*should_stop)()) || (cancel_ && cancel_());
  };
  t.should_stop = &stop_check;
  {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  }
  // A body larger than this is not a Docker answer we understand.
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(256) << 20);
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.stopped_by_callback) ||
      (rc == CURLE_ABORTED_BY_CALLBACK && t.stopped_by_caller)) {
    r.ok = true;
  } else {
    r.error = curl_easy_strerror(rc);
  }
  return r;
}

bool Client::Negotiate(std::string* error) {
  std::string version;
  Response r = Perform(base_url_ + "/_ping", false, nullptr, nullptr);
  if (!r.ok || r.status != 200) {
    if (error != nullptr) {
      *error = r.ok ? "GET /_ping answered HTTP " + std::to_string(r.status) : r.error;
    }
    return false;
  }
  if (!r.api_version.empty() && CompareApiVersions(r.api_version, kMaxApiVersion) < 0) {
    api_version_ = r.api_version;
  } else {
    api_version_ = std::string(kMaxApiVersion);
  }
  return true;
}

Response Client::Get(std::string_view path) {
  return Perform(base_url_ + "/v" + api_version_ + std::string(path), false, nullptr, nullptr);
}

Response Client::Stream(std::string_view path, const std::function<bool(std::string_view)>& on_data,
                        const std::function<bool()>& should_stop) {
  return Perform(base_url_ + "/v" + api_version_ + std::string(path), true, &on_data, &should_stop);
}

}  // namespace swarmscope::docker
