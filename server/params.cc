#include "server/params.h"

#include <charconv>

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
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  const bool digits =
      !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (!digits || ec != std::errc() || p != end || v < min || v > max) {
    throw HttpError(400, what + " must be an integer from " + std::to_string(min) +
                             " to " + std::to_string(max) + ", not " + text);
  }
  return v;
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
  int64_t v = 0;
  const char* end = text->data() + text->size();
  std::string_view magnitude = *text;
  if (!magnitude.empty() && magnitude[0] == '-') magnitude.remove_prefix(1);
  bool digits = !magnitude.empty() &&
                magnitude.find_first_not_of("0123456789") == std::string_view::npos;
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (!digits || ec != std::errc() || p != end)
    throw HttpError(400, name + " must be a 64-bit integer, not " + *text);
  return v;
}

}  // namespace annal::server
