// GET /v1/feed: Server-Sent Events, one `commit` event per commit (or per
// several, coalesced), naming the projections whose rows changed. Each open
// feed holds one worker thread; it waits for commits in short slices so that
// it notices a stopping server, and writes a comment line when nothing has
// happened for a while, which also finds clients that have gone.
#include <chrono>

#include "server/json.h"
#include "server/params.h"
#include "server/server_impl.h"

namespace annal::server {
namespace {

constexpr int64_t kSliceMs = 250;

std::string CommitEvent(uint64_t seq, const std::vector<std::string>& changed) {
  std::string data = "{\"seq\":" + std::to_string(seq) + ",\"changed\":[";
  for (size_t i = 0; i < changed.size(); ++i) {
    if (i) data += ',';
    AppendJsonString(data, changed[i]);
  }
  data += "]}";
  return "event: commit\nid: " + std::to_string(seq) + "\ndata: " + data + "\n\n";
}

}  // namespace

struct ApiServer::Impl::FeedState {
  uint64_t seq = 0;  // the last seq the client was told of
  Fingerprints prints;
  bool catch_up = false;  // the first event covers after+1..head: name every projection
  std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
};

void ApiServer::Impl::Feed(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {"after", "access_token"});
  auto state = std::make_shared<FeedState>();
  {
    Snapshot snap = Read();
    auto head = snap.LastSeq();
    auto prints = snap.ProjectionFingerprints();
    if (!head.ok() || !prints.ok()) throw HttpError(500, "cannot read the store's head");
    state->seq = *head;
    state->prints = *prints;
    std::optional<uint64_t> after = p.Unsigned("after", 0, *head);
    if (!after && req.has_header("Last-Event-ID")) {
      after =
          ParseUnsigned("Last-Event-ID", req.get_header_value("Last-Event-ID"), 0, *head);
    }
    if (after && *after < *head) {
      state->seq = *after;
      state->catch_up = true;
    }
  }
  if (feed_clients.fetch_add(1) >= options.max_feeds) {
    feed_clients.fetch_sub(1);
    throw HttpError(503, "too many feed clients (--max-feeds " +
                             std::to_string(options.max_feeds) + ")");
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");  // tell a proxy not to buffer it
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, state](size_t, httplib::DataSink& sink) {
        // Nothing may escape into cpp-httplib's worker: a failure ends the
        // feed (the client reconnects with Last-Event-ID).
        try {
          return FeedStep(*state, sink);
        } catch (const std::exception&) {
          return false;
        }
      },
      [this](bool) { feed_clients.fetch_sub(1); });
}

bool ApiServer::Impl::FeedStep(FeedState& state, httplib::DataSink& sink) {
  if (stopping.load()) return false;
  const auto now = std::chrono::steady_clock::now();
  auto write = [&](const std::string& text) {
    state.last_write = now;
    return sink.write(text.data(), text.size());
  };
  if (state.catch_up) {
    state.catch_up = false;
    Snapshot snap = Read();
    state.seq = snap.LastSeq().value_or(state.seq);
    state.prints = snap.ProjectionFingerprints().value_or(state.prints);
    return write(CommitEvent(state.seq, ChangedProjections({}, state.prints)));
  }
  auto head = engine.WaitForCommit(state.seq, kSliceMs);
  if (!head.ok()) return false;
  if (*head > state.seq) {
    Snapshot snap = Read();
    auto prints = snap.ProjectionFingerprints();
    if (!prints.ok()) return false;
    const auto changed = ChangedProjections(state.prints, *prints);
    state.prints = *prints;
    state.seq = snap.LastSeq().value_or(*head);
    return write(CommitEvent(state.seq, changed));
  }
  if (now - state.last_write >= std::chrono::milliseconds(options.heartbeat_ms))
    return write(": heartbeat\n\n");
  return true;
}

}  // namespace annal::server
