#include "collector/http_server.h"

#include <malloc.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "collector/config.h"

namespace swarmscope {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class HttpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer& server, tcp::socket socket) : server_(&server), stream_(std::move(socket)) {}

  ~Session() {
    if (server_ != nullptr) {
      server_->Forget(this);
    }
  }

  void Start() {
    server_->sessions_.insert(this);
    Read(server_->options_.read_timeout);
  }

  // Shutdown: a connection waiting for a request is closed now; one that is being
  // answered closes after its response is written.
  void StopIfIdle() {
    if (!busy_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
    }
  }

  // The server is going away while this session still exists (io_context stopped).
  void Detach() { server_ = nullptr; }

 private:
  void Read(std::chrono::milliseconds timeout) {
    parser_.emplace();
    parser_->header_limit(server_->options_.header_limit);
    parser_->body_limit(0);
    stream_.expires_after(timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (server_ == nullptr) {
      return;
    }
    if (ec == http::error::header_limit) {
      RespondError(431, "431 request header fields too large\n");
      return;
    }
    if (ec == http::error::body_limit || ec == http::error::unexpected_body) {
      RespondError(413, "413 request body not accepted\n");
      return;
    }
    if (ec && ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
        ec != beast::error::timeout && ec != asio::error::connection_reset &&
        ec != asio::error::eof) {
      if (parser_->got_some()) {
        RespondError(400, "400 bad request\n");
        return;
      }
    }
    if (ec) {
      Close();
      return;
    }
    HttpRequest request = parser_->release();
    const Clock::time_point received = Clock::now();
    busy_ = true;
    stream_.expires_never();
    const HttpHandler& handler = server_->handler_;
    if (handler.IsQuick(request)) {
      Respond(request, SafeHandle(handler, request));
      return;
    }
    // A scrape may wait up to its deadline: do it off the I/O thread. The work guard keeps
    // the io_context running (e.g. while draining at shutdown) until the answer is back.
    asio::post(server_->handler_pool_, [self = shared_from_this(), &handler,
                                        request = std::move(request), received,
                                        work = asio::make_work_guard(server_->ioc_)]() mutable {
      HttpResponse response = SafeHandle(handler, request, received);
      // A scrape frees megabytes at once: hand them back to the kernel now
      // rather than keep them as resident memory until the next scrape.
      ::malloc_trim(0);
      asio::post(self->stream_.get_executor(),
                 [self, request = std::move(request), response = std::move(response)]() mutable {
                   self->Respond(request, std::move(response));
                 });
      work.reset();
    });
  }

  static HttpResponse SafeHandle(const HttpHandler& handler, const HttpRequest& request,
                                 Clock::time_point received = Clock::now()) {
    try {
      return handler.Handle(request, received);
    } catch (const std::exception& e) {
      return TextResponse(request, 500, std::string("500 internal error: ") + e.what() + "\n");
    }
  }

  void RespondError(unsigned status, std::string body) {
    HttpRequest request;
    request.version(11);
    request.keep_alive(false);
    busy_ = true;
    HttpResponse response = TextResponse(request, status, std::move(body));
    response.keep_alive(false);
    Respond(request, std::move(response));
  }

  void Respond(const HttpRequest& request, HttpResponse response) {
    if (server_ == nullptr) {
      return;
    }
    server_->self_.CountRequest(server_->handler_.HandlerName(request.target()),
                                response.result_int());
    if (server_->stopping_) {
      response.keep_alive(false);
    }
    response_ = std::make_shared<HttpResponse>(std::move(response));
    stream_.expires_after(server_->options_.write_timeout);
    http::async_write(
        stream_, *response_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    busy_ = false;
    const bool keep_alive = response_->keep_alive();
    response_.reset();
    if (ec || server_ == nullptr || server_->stopping_ || !keep_alive) {
      Close();
      return;
    }
    Read(server_->options_.idle_timeout);
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  HttpServer* server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::shared_ptr<HttpResponse> response_;
  bool busy_ = false;
};

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, const HttpHandler& handler,
                       SelfMetrics& self, Logger& log)
    : ioc_(ioc),
      options_(options),
      handler_(handler),
      self_(self),
      log_(log),
      acceptor_(ioc),
      handler_pool_(static_cast<size_t>(std::max(1, options.handler_threads))) {}

HttpServer::~HttpServer() {
  // Scrapes in the pool end by their deadline (or at once after Scraper::Cancel()).
  handler_pool_.join();
  for (Session* s : sessions_) {
    s->Detach();
  }
}

std::pair<std::string, std::string> SplitListenAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  std::string port = colon == std::string::npos ? address : address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {std::move(host), std::move(port)};
}

std::string CheckHealth(const std::string& listen_address, std::chrono::milliseconds timeout) {
  auto [host, port] = SplitListenAddress(listen_address);
  if (host.empty() || host == "0.0.0.0") {
    host = "127.0.0.1";
  }
  if (host == "::") {
    host = "::1";
  }
  const std::string where = "http://" +
                            (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                            port + "/healthz";
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
  if (ec) {
    return "cannot resolve " + where + ": " + ec.message();
  }
  stream.expires_after(timeout);
  http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
  req.set(http::field::host, host);
  req.set(http::field::connection, "close");
  http::response_parser<http::string_body> res;
  res.body_limit(4096);
  beast::flat_buffer buffer;
  // Async operations, so that the stream's deadline covers connect, write and read.
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    if ((ec = e)) {
      return;
    }
    http::async_write(stream, req, [&](beast::error_code e2, size_t) {
      if ((ec = e2)) {
        return;
      }
      http::async_read(stream, buffer, res, [&](beast::error_code e3, size_t) { ec = e3; });
    });
  });
  ioc.run();
  if (ec == beast::error::timeout) {
    return where + " did not answer within " + FormatDuration(timeout);
  }
  if (ec) {
    return where + ": " + ec.message();
  }
  if (res.get().result_int() != 200) {
    return where + " answered " + std::to_string(res.get().result_int());
  }
  return "";
}

std::string HttpServer::Listen(const std::string& address) {
  const auto [host, port] = SplitListenAddress(address);
  std::vector<tcp::endpoint> candidates;
  const auto port_number = static_cast<uint16_t>(std::stoi(port));
  if (host.empty()) {
    // Every address: IPv6 dual-stack where the kernel has it, else IPv4.
    candidates.emplace_back(asio::ip::address_v6::any(), port_number);
    candidates.emplace_back(asio::ip::address_v4::any(), port_number);
  } else {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
    if (ec) {
      return "cannot resolve listen address " + address + ": " + ec.message();
    }
    for (const auto& r : results) {
      candidates.push_back(r.endpoint());
    }
  }
  std::string last_error = "no address to listen on";
  for (const auto& endpoint : candidates) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec && endpoint.address().is_v6() && host.empty()) {
      acceptor_.set_option(asio::ip::v6_only(false), ec);
    }
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (!ec) {
      return "";
    }
    last_error = "cannot listen on " + address + ": " + ec.message();
    beast::error_code ignored;
    acceptor_.close(ignored);
  }
  return last_error;
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void HttpServer::Start() { Accept(); }

void HttpServer::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted && !stopping_) {
        log_.Warn("accept failed", {{"error", ec.message()}});
        Accept();
      }
      return;
    }
    if (stopping_) {
      return;
    }
    if (sessions_.size() >= static_cast<size_t>(options_.max_connections)) {
      self_.CountRejectedConnection();
      log_.Debug("connection rejected: too many open",
                 {{"limit", std::to_string(options_.max_connections)}});
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(*this, std::move(socket))->Start();
    }
    Accept();
  });
}

void HttpServer::Forget(Session* session) {
  sessions_.erase(session);
  if (stopping_ && sessions_.empty() && on_drained_) {
    asio::post(ioc_, std::exchange(on_drained_, nullptr));
  }
}

void HttpServer::Shutdown(std::function<void()> on_drained) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  on_drained_ = std::move(on_drained);
  beast::error_code ec;
  acceptor_.close(ec);
  // Copy: closing a session may end it and erase it from the set.
  const std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
  for (Session* s : sessions) {
    s->StopIfIdle();
  }
  if (sessions_.empty() && on_drained_) {
    asio::post(ioc_, std::exchange(on_drained_, nullptr));
  }
}

}  // namespace swarmscope
