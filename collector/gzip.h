#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swarmscope {

/// Compresses `in` into a gzip member (RFC 1952) with zlib. Returns false on a zlib error.
bool GzipCompress(std::string_view in, std::string& out, int level = 1);
/// The same for text given in pieces, compressed as one stream without joining them.
bool GzipCompress(const std::vector<std::string_view>& pieces, std::string& out, int level = 1);

/// Decompresses a gzip member; for tests and the health check. Returns false on bad input.
bool GzipDecompress(std::string_view in, std::string& out);

/// Whether an Accept-Encoding header value accepts gzip (a `gzip` or `*` coding whose
/// q-value is not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace swarmscope
