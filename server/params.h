// A request's query parameters, checked against the names an endpoint takes
// (docs/http.md): an unknown name, a name given twice, or an empty value is
// 400; integers are decimal digits, with a leading '-' only where allowed.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "server/server_impl.h"

namespace annal::server {

// `text` as an integer in [min, max]; throws HttpError(400) naming `what`.
uint64_t ParseUnsigned(const std::string& what, const std::string& text, uint64_t min,
                       uint64_t max);

class Params {
 public:
  // Throws HttpError(400) for a parameter not in `allowed`, twice, or empty.
  Params(const httplib::Request& req, std::initializer_list<std::string_view> allowed);

  std::optional<std::string> Text(const std::string& name) const;
  // Throw HttpError(400) unless the value is an integer in [min, max].
  std::optional<uint64_t> Unsigned(const std::string& name, uint64_t min,
                                   uint64_t max) const;
  std::optional<int64_t> Signed(const std::string& name) const;

 private:
  const httplib::Request& req_;
};

}  // namespace annal::server
