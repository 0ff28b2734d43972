#pragma once

// A blocking HTTP/1.1 client connection to 127.0.0.1 for the server and daemon tests.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarmscope::testing {

using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A blocking client connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }

  void Send(boost::beast::http::verb verb, std::string target,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    boost::beast::http::request<boost::beast::http::empty_body> req{verb, target, 11};
    req.set(boost::beast::http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) {
      req.set(k, v);
    }
    boost::beast::http::write(socket_, req);
  }

  void SendRaw(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  Response Read(bool head = false) {
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(head);
    boost::beast::http::read(socket_, buffer_, parser);
    return parser.release();
  }

  Response Get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Send(boost::beast::http::verb::get, std::move(target), std::move(headers));
    return Read();
  }

  // True when the server closed the connection (EOF or reset) within the socket's wait.
  bool ClosedByPeer() {
    boost::beast::error_code ec;
    char byte;
    socket_.read_some(boost::asio::buffer(&byte, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace swarmscope::testing
