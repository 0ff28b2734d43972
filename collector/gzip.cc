#include "collector/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace swarmscope {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip wrapper

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The q-value of one coding's parameters ("q=0.5"); 1 when absent.
double QValue(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view p = Trim(params.substr(0, semi));
    params.remove_prefix(semi == std::string_view::npos ? params.size() : semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      p.remove_prefix(2);
      // q-values are 0, 0.xxx or 1(.000): any non-zero digit means acceptable.
      return p.find_first_of("123456789") == std::string_view::npos ? 0.0 : 1.0;
    }
  }
  return 1.0;
}

}  // namespace

bool GzipCompress(std::string_view in, std::string& out, int level) {
  return GzipCompress(std::vector<std::string_view>{in}, out, level);
}

bool GzipCompress(const std::vector<std::string_view>& pieces, std::string& out, int level) {
  if (pieces.empty()) {
    return GzipCompress(std::vector<std::string_view>{std::string_view()}, out, level);
  }
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  size_t total = 0;
  for (auto p : pieces) {
    total += p.size();
  }
  // Metrics text compresses about tenfold; grow as needed.
  const size_t start = out.size();
  out.resize(start + total / 8 + 4096);
  size_t produced = 0;
  int rc = Z_OK;
  for (size_t i = 0; i < pieces.size() && rc == Z_OK; ++i) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pieces[i].data()));
    zs.avail_in = static_cast<uInt>(pieces[i].size());
    const int flush = i + 1 == pieces.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      if (start + produced == out.size()) {
        out.resize(out.size() + out.size() / 2 + 4096);
      }
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + start + produced);
      zs.avail_out = static_cast<uInt>(out.size() - start - produced);
      const uInt before = zs.avail_out;
      rc = deflate(&zs, flush);
      produced += before - zs.avail_out;
    } while (rc == Z_OK && (zs.avail_out == 0 || (flush == Z_FINISH) || zs.avail_in > 0));
    if (rc == Z_BUF_ERROR) {
      rc = Z_OK;  // no progress possible: more input needed
    }
  }
  out.resize(start + produced);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

bool GzipDecompress(std::string_view in, std::string& out) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) {
    return false;
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  char buf[16384];
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      break;
    }
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  // An explicit gzip entry decides; otherwise a wildcard does.
  double gzip_q = -1;
  double star_q = -1;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                  : comma + 1);
    const size_t semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    const std::string_view params =
        semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    if (IEquals(coding, "gzip") || IEquals(coding, "x-gzip")) {
      gzip_q = QValue(params);
    } else if (coding == "*") {
      star_q = QValue(params);
    }
  }
  return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

}  // namespace swarmscope
