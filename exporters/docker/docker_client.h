#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace swarmscope::docker {

/// The answer to one request.
struct Response {
  bool ok = false;  ///< transport succeeded (any HTTP status)
  long status = 0;  ///< HTTP status
  std::string body;
  std::string api_version;  ///< the Api-Version header, when the daemon sent one
  std::string error;        ///< transport error, when !ok
};

/// The Docker Engine API as the sync engine uses it: GET only. The seam that unit tests
/// replace with captured answers; Client is the real one.
class Api {
 public:
  virtual ~Api() = default;
  /// GET /_ping and settle the API version. Returns false (and says why) when the daemon
  /// does not answer.
  virtual bool Negotiate(std::string* error) = 0;
  /// GET /v<api><path>.
  virtual Response Get(std::string_view path) = 0;
  /// GET /v<api><path> as a stream (e.g. /events): `on_data` gets each chunk as it arrives
  /// and returns false to stop. Also stops when `should_stop()` turns true (asked about once
  /// a second). No total timeout.
  virtual Response Stream(std::string_view path,
                          const std::function<bool(std::string_view)>& on_data,
                          const std::function<bool()>& should_stop) = 0;
  virtual const std::string& api_version() const = 0;
};

/// A read-only Docker Engine API client over libcurl: the socket is root-equivalent, so
/// this type can only send GET requests. One instance per thread (it owns one kept-alive
/// curl handle).
class Client : public Api {
 public:
  /// `host` is `unix:///path/to/docker.sock` (or http://host:port for a TCP daemon).
  Client(std::string host, std::chrono::milliseconds connect_timeout,
         std::chrono::milliseconds request_timeout);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// The API version is the daemon's, capped at the newest this client knows (1.41).
  bool Negotiate(std::string* error) override;
  const std::string& api_version() const override { return api_version_; }
  Response Get(std::string_view path) override;
  Response Stream(std::string_view path, const std::function<bool(std::string_view)>& on_data,
                  const std::function<bool()>& should_stop) override;

  /// Every request (not only streams) is abandoned once `cancel()` turns true: shutdown
  /// must not wait for a hung daemon.
  void SetCancel(std::function<bool()> cancel) { cancel_ = std::move(cancel); }

  /// Requests sent so far (for the benchmark's "API requests per scrape").
  uint64_t requests() const { return requests_; }

 private:
  Response Perform(const std::string& url, bool stream,
                   const std::function<bool(std::string_view)>* on_data,
                   const std::function<bool()>* should_stop);

  std::string socket_path_;  ///< empty for TCP
  std::string base_url_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds request_timeout_;
  std::string api_version_ = "1.41";
  void* curl_ = nullptr;  // CURL*
  std::function<bool()> cancel_;
  std::atomic<uint64_t> requests_{0};
};

/// The newest Engine API version this client's parsers understand.
inline constexpr std::string_view kMaxApiVersion = "1.41";

/// Compares "1.41"-style versions: negative, zero or positive like strcmp.
int CompareApiVersions(std::string_view a, std::string_view b);

}  // namespace swarmscope::docker
