#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "collector/http_handler.h"
#include "collector/log.h"
#include "collector/self_metrics.h"

namespace swarmscope {

/// "[host]:port" split into host (brackets removed; empty = every address) and port.
std::pair<std::string, std::string> SplitListenAddress(const std::string& address);

/// Asks the collector listening on `listen_address` (its --web.listen-address; a wildcard
/// host is asked on loopback) for /healthz. Returns "" when it answered 200 within
/// `timeout`, else a one-line reason. The image's HEALTHCHECK (`swarmscope --healthcheck`).
std::string CheckHealth(const std::string& listen_address, std::chrono::milliseconds timeout);

struct ServerOptions {
  int max_connections = 64;
  std::chrono::milliseconds read_timeout{10000};   ///< to receive a whole request header
  std::chrono::milliseconds idle_timeout{120000};  ///< between kept-alive requests
  std::chrono::milliseconds write_timeout{30000};  ///< to send a whole response
  uint32_t header_limit = 8192;                    ///< larger request headers get 431
  int handler_threads = 4;                         ///< threads that wait for scrapes
};

/// HTTP/1.1 server on Boost.Beast. All socket work runs on the io_context given (one
/// thread); scrapes, which may wait up to their deadline, run on a small handler pool so a
/// slow scrape or a slow client never blocks other connections.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, ServerOptions options, const HttpHandler& handler,
             SelfMetrics& self, Logger& log);
  ~HttpServer();

  /// Binds and listens on `address` ("[host]:port"; empty host = every address).
  /// Returns an error message, or "" on success.
  std::string Listen(const std::string& address);
  uint16_t port() const;

  /// Starts accepting; the io_context must be run by the caller.
  void Start();

  /// Stops accepting, closes idle connections, lets in-flight responses finish and then
  /// closes their connections. `on_drained` runs (on the io thread) once no connection is
  /// left. Call on the io_context's thread (or post it there).
  void Shutdown(std::function<void()> on_drained = {});

  /// Number of open connections (io thread only).
  size_t connections() const { return sessions_.size(); }

 private:
  class Session;
  friend class Session;
  void Accept();
  void Forget(Session* session);

  boost::asio::io_context& ioc_;
  ServerOptions options_;
  const HttpHandler& handler_;
  SelfMetrics& self_;
  Logger& log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::thread_pool handler_pool_;
  std::set<Session*> sessions_;
  bool stopping_ = false;
  std::function<void()> on_drained_;
};

}  // namespace swarmscope
