// libFuzzer target: arbitrary bytes as an HTTP request, through Beast's parser (with the
// server's limits) and then the request handler.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <string>

#include "collector/http_handler.h"

namespace {

swarmscope::HttpHandler& Handler() {
  static swarmscope::HttpHandler handler(
      swarmscope::HandlerOptions{},
      [](swarmscope::Clock::time_point, swarmscope::ScrapeOutput& out) {
        out += "# HELP x A test.\n# TYPE x gauge\nx 1\n";
      });
  return handler;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(8192);
  parser.body_limit(0);
  boost::beast::error_code ec;
  size_t offset = 0;
  while (offset < size && !parser.is_done()) {
    const size_t n = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (ec || n == 0) {
      break;
    }
    offset += n;
  }
  if (!ec && parser.is_done()) {
    const swarmscope::HttpRequest request = parser.release();
    const swarmscope::HttpResponse response = Handler().Handle(request);
    const unsigned code = response.result_int();
    if (code != 200 && code != 404 && code != 405) {
      __builtin_trap();
    }
  }
  return 0;
}
