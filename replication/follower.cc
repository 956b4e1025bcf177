// Follow(): a replica consuming its stream from its own log head + 1. The
// log is the checkpoint, so a redelivered or replayed message is skipped and
// a consumer lost with its server is simply made again from the head. Each
// fetched batch goes to StoreReplication::AppendStored, which checks every record
// before applying it; one that fails stops the replica.
#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "annal/replication.h"
#include "replication/key_exchange.h"
#include "replication/nats_handles.h"
#include "replication/replication.h"
#include "replication/stored.h"

namespace annal::replication {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kFetchWaitMs = 500;
// Silence this long while the stream has more: the consumer went with its
// server, make another.
constexpr auto kStall = std::chrono::seconds(3);

// A pull subscription on an ephemeral consumer, drained before it goes
// (nats.c 3.4.1 asks for that before destroying one that may get messages).
class Consumer {
 public:
  ~Consumer() {
    if (!sub_) return;
    if (natsSubscription_Drain(sub_) == NATS_OK)
      (void)natsSubscription_WaitForDrainCompletion(sub_, 2000);
    natsSubscription_Destroy(sub_);
  }
  Status Open(jsCtx* js, const NatsSettings& cfg, uint64_t from) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = cfg.stream.c_str();
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = from;
    so.Config.AckPolicy = js_AckNone;  // the replica's log is its checkpoint
    so.Config.InactiveThreshold = int64_t{30} * 1000 * 1000 * 1000;
    so.Config.Replicas = 1;
    so.Config.MemoryStorage = true;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s =
        js_PullSubscribe(&sub_, js, cfg.Subject().c_str(), nullptr, nullptr, &so, &code);
    if (s != NATS_OK) return Status::IOError(Describe("creating a consumer", s, code));
    return Status::Ok();
  }
  natsSubscription* get() const { return sub_; }

 private:
  natsSubscription* sub_ = nullptr;
};

struct MsgList {
  natsMsgList list{};
  ~MsgList() { natsMsgList_Destroy(&list); }
  void Clear() {
    natsMsgList_Destroy(&list);
    list = natsMsgList{};
  }
};

class Follower {
 public:
  Follower(Engine& engine, const FollowSettings& cfg, const std::atomic<bool>& stop)
      : engine_(engine), cfg_(cfg), stop_(stop) {
    if (cfg.kek) keys_.emplace(engine, *cfg.kek, cfg.nats.KeysSubject());
  }
  Result<Reached> Run();

 private:
  // Consumes until an error, `stop`, or (once) the stream's end: *done.
  Status Consume(uint64_t* head, bool* done);
  natsStatus Fetch(MsgList* batch, natsSubscription* sub, bool behind, jsErrCode* code);
  // Applies one fetched batch; a gap or a server's hiccup is kIOError.
  Status Apply(natsMsgList& list, uint64_t* head);
  // Whether the replica holds the stream's last message.
  Result<bool> CaughtUp(uint64_t head);

  Engine& engine_;
  const FollowSettings& cfg_;
  const std::atomic<bool>& stop_;
  Nats nats_;
  std::optional<KeyFetcher> keys_;
};

Result<bool> Follower::CaughtUp(uint64_t head) {
  auto last = StreamLastSeq(nats_.js(), cfg_.nats.stream);
  if (!last.ok()) return last.status();
  if (!*last) {
    return Status::InvalidInput("stream " + cfg_.nats.stream +
                                " does not exist (`annal ship` creates it)");
  }
  (void)StoreReplication(engine_).RecordMarker(StoreReplication::Marker::kStreamEnd,
                                               **last);
  return head >= **last;
}

Status Follower::Apply(natsMsgList& list, uint64_t* head) {
  std::vector<std::string_view> values;
  values.reserve(static_cast<size_t>(list.Count));
  uint64_t stream_end = 0;  // as the messages' metadata tell it
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* m = list.Msgs[i];
    jsMsgMetaData* raw = nullptr;
    if (natsStatus s = natsMsg_GetMetaData(&raw, m); s != NATS_OK) {
      return Status::IOError(Describe("a message without JetStream metadata", s));
    }
    NatsPtr<jsMsgMetaData> meta(raw);
    const uint64_t seq = meta->Sequence.Stream;
    stream_end = std::max(stream_end, seq + meta->NumPending);
    if (seq <= *head) continue;  // already in the log: skipped, never applied twice
    if (seq != *head + 1 + values.size()) {
      return Status::IOError("the consumer skipped from seq " +
                             std::to_string(*head + values.size()) + " to " +
                             std::to_string(seq));
    }
    values.emplace_back(natsMsg_GetData(m),
                        static_cast<size_t>(natsMsg_GetDataLength(m)));
  }
  (void)StoreReplication(engine_).RecordMarker(StoreReplication::Marker::kStreamEnd,
                                               stream_end);
  if (values.empty()) return Status::Ok();
  auto applied = StoreReplication(engine_).AppendStored(*head + 1, values);
  if (!applied.ok()) {
    // Not something a retry mends: a bad record, a full disk.
    return applied.status().code() == Status::Code::kIOError
               ? Status::Internal(applied.status().message())
               : applied.status();
  }
  *head = *applied;
  return Status::Ok();
}

// Behind the stream (the last batch came full), a plain fetch of a batch,
// which the stream fills at once. Caught up, what the stream holds now (a
// no-wait request) or else the first message to come, waiting up to
// kFetchWaitMs: a plain fetch answers only once its batch is full or its
// wait is over, which under a trickle of appends adds up to the whole wait
// to the lag. (The no-wait request costs a round trip more: replica apply
// from a full stream fell from 55 K to 37 K records/s with it alone.)
natsStatus Follower::Fetch(MsgList* batch, natsSubscription* sub, bool behind,
                           jsErrCode* code) {
  const int size = static_cast<int>(cfg_.batch);
  if (behind) return natsSubscription_Fetch(&batch->list, sub, size, kFetchWaitMs, code);
  jsFetchRequest now;
  jsFetchRequest_Init(&now);
  now.Batch = size;
  now.NoWait = true;
  now.Expires = kFetchWaitMs * 1000 * 1000;
  natsStatus s = natsSubscription_FetchRequest(&batch->list, sub, &now);
  if (s == NATS_OK && batch->list.Count > 0) return s;
  batch->Clear();
  return natsSubscription_Fetch(&batch->list, sub, 1, kFetchWaitMs, code);
}

Status Follower::Consume(uint64_t* head, bool* done) {
  Consumer consumer;
  if (Status st = consumer.Open(nats_.js(), cfg_.nats, *head + 1); !st.ok()) return st;
  auto last_progress = Clock::now();
  bool behind = true;  // a consumer starts where the replica's head is
  while (!stop_.load()) {
    MsgList batch;
    const auto asked = Clock::now();
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = Fetch(&batch, consumer.get(), behind, &code);
    behind = s == NATS_OK && batch.list.Count >= static_cast<int>(cfg_.batch);
    if (s == NATS_TIMEOUT || (s == NATS_OK && batch.list.Count == 0)) {
      // nats.c 3.4.1 may answer a timeout at once after one: do not spin.
      if (Clock::now() - asked < std::chrono::milliseconds(5))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (keys_) keys_->Idle(nats_.conn(), *head);
      if (cfg_.once || Clock::now() - last_progress > kStall) {
        auto caught_up = CaughtUp(*head);
        if (!caught_up.ok()) return caught_up.status();
        if (*caught_up && cfg_.once) {
          *done = true;
          return Status::Ok();
        }
        if (!*caught_up && Clock::now() - last_progress > kStall)
          return Status::IOError("no messages for 3 s while the stream has more");
        if (*caught_up) last_progress = Clock::now();
      }
      continue;
    }
    if (s != NATS_OK) return Status::IOError(Describe("fetching", s, code));
    const uint64_t applied_from = *head + 1;
    if (Status st = Apply(batch.list, head); !st.ok()) return st;
    if (keys_ && *head >= applied_from) keys_->Applied(nats_.conn(), applied_from, *head);
    last_progress = Clock::now();
  }
  return Status::Ok();
}

Result<Reached> Follower::Run() {
  if (Status st = StoreReplication(engine_).MakeReplica(); !st.ok()) return st;
  auto head = LocalHead(engine_);
  if (!head.ok()) return head.status();
  uint64_t at = *head;
  Backoff backoff;
  while (!stop_.load()) {
    if (!nats_.js()) {
      jsOptions opts;
      jsOptions_Init(&opts);
      if (Status st = nats_.Connect(cfg_.nats, &opts); !st.ok()) {
        if (st.code() == Status::Code::kInvalidInput) return st;
        spdlog::warn("annal replica: {}; retrying", st.message());
        if (!backoff.Wait(stop_)) break;
        continue;
      }
    }
    bool done = false;
    const uint64_t before = at;
    Status st = Consume(&at, &done);
    if (done) break;
    if (st.ok()) continue;
    if (st.code() != Status::Code::kIOError) return st;
    if (at > before) backoff.Reset();
    spdlog::warn("annal replica: {} (at seq {}); consuming again from seq {}",
                 st.message(), at, at + 1);
    if (!backoff.Wait(stop_)) break;
  }
  return Reached{at};
}

}  // namespace

Result<Reached> Follow(Engine& engine, const FollowSettings& settings,
                       const std::atomic<bool>& stop) {
  Follower follower(engine, settings, stop);
  return follower.Run();
}

}  // namespace annal::replication
