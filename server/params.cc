#include "server/params.h"

#include <climits>

#include "common/numbers.h"

namespace annal::server {

Params::Params(const httplib::Request& req,
               std::initializer_list<std::string_view> allowed)
    : req_(req) {
  for (const auto& [name, value] : req.params) {
    // The feed's way to carry the token; elsewhere it means nothing.
    if (name == "access_token") continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    if (!known) throw HttpError(400, "unknown parameter " + name);
    if (req.get_param_value_count(name) > 1)
      throw HttpError(400, "parameter " + name + " is given more than once");
    if (value.empty()) throw HttpError(400, "parameter " + name + " is empty");
  }
}

std::optional<std::string> Params::Text(const std::string& name) const {
  if (!req_.has_param(name.c_str())) return std::nullopt;
  return req_.get_param_value(name.c_str());
}

uint64_t ParseUnsigned(const std::string& what, const std::string& text, uint64_t min,
                       uint64_t max) {
  auto v = common::ParseDecimal(text, min, max);
  if (!v) {
    throw HttpError(400, common::RangeMessage(what, std::to_string(min),
                                              std::to_string(max), Printable(text)));
  }
  return *v;
}

std::optional<uint64_t> Params::Unsigned(const std::string& name, uint64_t min,
                                         uint64_t max) const {
  auto text = Text(name);
  if (!text) return std::nullopt;
  return ParseUnsigned(name, *text, min, max);
}

std::optional<int64_t> Params::Signed(const std::string& name) const {
  auto text = Text(name);
  if (!text) return std::nullopt;
  auto v = common::ParseSignedDecimal(*text, INT64_MIN, INT64_MAX);
  if (!v) {
    throw HttpError(400,
                    common::RangeMessage(name, std::to_string(INT64_MIN),
                                         std::to_string(INT64_MAX), Printable(*text)));
  }
  return v;
}

}  // namespace annal::server
