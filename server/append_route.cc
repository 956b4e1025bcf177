// POST /v1/events (with --allow-append): a JSONL body appended as one batch
// with the rules of `annal import`: all or nothing, 422 naming the line.
#include "annal/jsonl.h"
#include "server/json.h"
#include "server/params.h"
#include "server/server_impl.h"

namespace annal::server {
namespace {

void Reject(httplib::Response& res, const std::string& message, uint64_t line) {
  res.status = 422;
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
  out += ",\"line\":" + std::to_string(line) + "}";
  res.set_content(out, "application/json");
}

}  // namespace

void ApiServer::Impl::Append(const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& read_body) {
  Params p(req, {});
  const auto too_large = HttpError(413, kBodyTooLarge);
  if (req.has_header("Content-Length") &&
      req.get_header_value<uint64_t>("Content-Length") > kMaxBody) {
    throw too_large;
  }
  std::string body;
  bool over = false;
  const bool read = read_body([&](const char* data, size_t n) {
    over = over || body.size() + n > kMaxBody;
    if (!over) body.append(data, n);
    return !over;  // a chunked body is read only up to the limit
  });
  if (over) throw too_large;
  if (!read) throw HttpError(400, "the body could not be read");
  JsonDecoder decoder;
  std::vector<Event> batch;
  std::vector<uint64_t> lines;  // the body's line of each event
  uint64_t line_no = 0;
  for (size_t start = 0; start < body.size();) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
    auto ev = decoder.Decode(line);
    if (!ev.ok()) return Reject(res, ev.status().ToString(), line_no);
    batch.push_back(std::move(ev.value()));
    lines.push_back(line_no);
  }
  if (batch.empty()) throw HttpError(400, "the body holds no event");
  auto receipt = engine.Append(batch);
  if (!receipt.ok()) {
    const annal::Status& st = receipt.status();
    if (st.code() == annal::Status::Code::kRejected ||
        st.code() == annal::Status::Code::kInvalidInput) {
      return Reject(res, st.ToString(), lines[st.event_index().value_or(0)]);
    }
    throw HttpError(HttpStatusOf(st), st.ToString());
  }
  // Committed either way: 202 says it is not yet known to be on the stream
  // (with --wait-for-ship), so that no client appends it again.
  std::string out = "{\"first_seq\":" + std::to_string(receipt->first_seq) +
                    ",\"last_seq\":" + std::to_string(receipt->last_seq);
  if (receipt->not_yet_shipped) {
    res.status = 202;
    out += ",\"shipped\":false";
  }
  res.set_content(out + "}", "application/json");
}

}  // namespace annal::server
