#include "exporters/docker/engine_relay.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace swarmscope::docker {
namespace {

constexpr std::string_view kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

struct Sink {
  std::string* body;
  size_t max_bytes;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (sink->body->size() + len > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // makes curl abort the transfer
  }
  sink->body->append(data, len);
  return len;
}

RouteAnswer Text(unsigned status, std::string body) {
  RouteAnswer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

}  // namespace

FetchResult FetchMetrics(const std::string& url, std::chrono::milliseconds timeout,
                         size_t max_bytes) {
  FetchResult r;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    r.error = "curl_easy_init failed";
    return r;
  }
  CURL* c = curl.get();
  Sink sink{&r.body, max_bytes};
  char error[CURL_ERROR_SIZE] = {};
  const long ms = std::max<long>(1, static_cast<long>(timeout.count()));
  curl_slist* headers = curl_slist_append(nullptr, "Accept: text/plain;version=0.0.4");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (sink.too_large) {
    r.error = "the answer is larger than " + std::to_string(max_bytes) + " bytes";
    return r;
  }
  if (rc != CURLE_OK) {
    r.error = error[0] != '\0' ? error : curl_easy_strerror(rc);
    return r;
  }
  if (r.status != 200) {
    r.error = "it answered HTTP " + std::to_string(r.status);
    return r;
  }
  const char* type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
  r.content_type = type != nullptr ? type : "";
  r.ok = true;
  return r;
}

EngineMetricsRelay::EngineMetricsRelay(std::string url, std::chrono::milliseconds timeout,
                                       ErrorReporter& errors, size_t max_bytes)
    : url_(std::move(url)), timeout_(timeout), errors_(errors), max_bytes_(max_bytes) {
  // Before any request, on this thread: curl_easy_init() would otherwise do it implicitly
  // from a handler thread (libcurl's global init is reference-counted).
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

RouteAnswer EngineMetricsRelay::Answer(std::chrono::steady_clock::time_point deadline) {
  if (url_.empty()) {
    return Text(404,
                "the relay of dockerd's metrics is off: set --docker.engine-metrics-url (e.g. "
                "http://127.0.0.1:9323/metrics, dockerd's metrics-addr)\n");
  }
  std::unique_lock lock(busy_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return Text(503, "a request to dockerd's metrics endpoint is already in flight\n");
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  FetchResult r =
      FetchMetrics(url_, std::clamp(left, std::chrono::milliseconds(1), timeout_), max_bytes_);
  if (!r.ok) {
    errors_.Report("engine_metrics", "cannot relay dockerd's metrics endpoint",
                   {{"url", url_}, {"error", r.error}});
    return Text(503,
                "dockerd's metrics endpoint " + url_ + " cannot be relayed: " + r.error + "\n");
  }
  RouteAnswer a;
  // dockerd sends the text format; anything else would be relabelled wrongly as text.
  a.content_type =
      r.content_type.rfind("text/plain", 0) == 0 ? r.content_type : std::string(kExpositionType);
  a.body = std::move(r.body);
  return a;
}

}  // namespace swarmscope::docker
