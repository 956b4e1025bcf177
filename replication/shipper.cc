// Ship(): the log, published record by record to the stream. Exactly once
// and gapless by the server's own checks (docs/replication.md): every
// publish carries the record's message id and the expected last stream
// sequence seq - 1, so the stream refuses a gap, a reorder or a second
// writer. After any error (an election's timeouts and no-responders, acks
// that never came) it stops publishing, lets what is in flight settle, and
// resumes from the stream's own last message, after checking it is ours.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "annal/replication.h"
#include "replication/key_exchange.h"
#include "replication/nats_handles.h"
#include "replication/replication.h"
#include "replication/stored.h"

namespace annal::replication {
namespace {

// Records read from one snapshot before it is let go (a long-held view
// would keep the writer's map from growing).
constexpr size_t kScanChunk = 4096;
constexpr int64_t kAckWaitMs = 5000;

// Writes the ship marker off nats.c's delivery thread: each time it wakes,
// the highest acknowledged seq so far, so a burst of acknowledgements costs
// one pwrite, and the callback receiving them never waits on the disk.
class MarkerWriter {
 public:
  explicit MarkerWriter(Engine& engine) : engine_(engine), thread_([this] { Loop(); }) {}
  ~MarkerWriter() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  MarkerWriter(const MarkerWriter&) = delete;
  MarkerWriter& operator=(const MarkerWriter&) = delete;

  void Advance(uint64_t seq) {
    {
      std::lock_guard lock(mutex_);
      if (seq <= target_) return;
      target_ = seq;
    }
    wake_.notify_one();
  }

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return done_ || target_ > written_; });
      if (target_ > written_) {
        const uint64_t seq = target_;
        lock.unlock();
        (void)StoreReplication(engine_).RecordMarker(StoreReplication::Marker::kShipped,
                                                     seq);
        lock.lock();
        written_ = seq;
      } else if (done_) {
        return;
      }
    }
  }

  Engine& engine_;
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t target_ = 0, written_ = 0;
  bool done_ = false;
  std::thread thread_;  // last: started once the members above exist
};

class Shipper {
 public:
  Shipper(Engine& engine, const ShipSettings& cfg, const std::atomic<bool>& stop)
      : engine_(engine), cfg_(cfg), stop_(stop), subject_(cfg.nats.Subject()) {}

  Result<Reached> Run();

 private:
  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self);
  Status Connect();
  // The seq to publish next, once the stream's end is known to be this
  // store's log; a refusal is kInvalidInput, a transient failure kIOError.
  Result<uint64_t> Resume();
  // Publishes from `next` until an error, `stop`, or (once) the whole log
  // is acknowledged: then *done.
  Status PublishFrom(uint64_t next, bool* done);
  Status PublishOne(uint64_t seq, std::string_view stored);
  // Waits for the publishes in flight to be acknowledged or to fail.
  void Settle();
  void Fail(std::string why);

  Engine& engine_;
  const ShipSettings& cfg_;
  const std::atomic<bool>& stop_;
  const std::string subject_;
  std::string identity_;
  jsOptions js_options_{};
  std::atomic<uint64_t> acked_{0};
  std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  std::string error_;
  MarkerWriter marker_{engine_};
  // Closed first, so no ack handler runs into the members above.
  Nats nats_;
  // Before the connection goes: drained, no answer half written.
  std::optional<KeyService> keys_;
};

void Shipper::OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self) {
  auto& s = *static_cast<Shipper*>(self);
  if (pa) {
    uint64_t seen = s.acked_.load();
    while (pa->Sequence > seen && !s.acked_.compare_exchange_weak(seen, pa->Sequence)) {
    }
    // Only a stored record is acknowledged, and only after seq - 1 (the
    // expected sequence): the highest ack is a contiguous prefix.
    if (pa->Sequence > seen) s.marker_.Advance(pa->Sequence);
  } else if (pae) {
    s.Fail(Describe(pae->ErrText ? pae->ErrText : "publish", pae->Err, pae->ErrCode));
  }
  natsMsg_Destroy(msg);
}

void Shipper::Fail(std::string why) {
  std::lock_guard lock(error_mutex_);
  if (!failed_.exchange(true)) error_ = std::move(why);
}

Status Shipper::Connect() {
  jsOptions_Init(&js_options_);
  js_options_.PublishAsync.MaxPending = cfg_.window;
  js_options_.PublishAsync.AckHandler = &Shipper::OnAck;
  js_options_.PublishAsync.AckHandlerClosure = this;
  js_options_.PublishAsync.StallWait = 200;
  return nats_.Connect(cfg_.nats, &js_options_);
}

Result<uint64_t> Shipper::Resume() {
  auto last = StreamLastSeq(nats_.js(), cfg_.nats.stream);
  if (!last.ok()) return last.status();
  if (!*last) {
    if (Status st = CreateStream(nats_.js(), cfg_.nats, cfg_.replicas); !st.ok())
      return st;
    spdlog::info("created stream {} ({} replicas, subject {})", cfg_.nats.stream,
                 cfg_.replicas, subject_);
    last = std::optional<uint64_t>(0);
  }
  const uint64_t end = **last;
  if (end == 0) return uint64_t{1};
  auto ours = LocalStored(engine_, end);
  if (!ours.ok()) return ours.status();
  if (!*ours) {
    return Status::InvalidInput(fmt::format(
        "stream {} ends at seq {}, past this store's log: this store is not the "
        "stream's primary (an old primary after a failover?); nothing was published",
        cfg_.nats.stream, end));
  }
  auto theirs = StreamMessage(nats_.js(), cfg_.nats.stream, end);
  if (!theirs.ok()) return theirs.status();
  if (*theirs != **ours) {
    return Status::InvalidInput(fmt::format(
        "stream {}'s message {} is not this store's record at seq {} (its hash {}, "
        "ours {}): the stream is another store's log; nothing was published",
        cfg_.nats.stream, end, end, HashHex(*theirs), HashHex(**ours)));
  }
  uint64_t seen = acked_.load();
  while (end > seen && !acked_.compare_exchange_weak(seen, end)) {
  }
  (void)StoreReplication(engine_).RecordMarker(StoreReplication::Marker::kShipped, end);
  return end + 1;
}

Status Shipper::PublishOne(uint64_t seq, std::string_view stored) {
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, subject_.c_str(), nullptr, stored.data(),
                                static_cast<int>(stored.size()));
  NatsPtr<natsMsg> msg(raw);
  // nats.c sends the expected sequence only when it is above 0; the server
  // takes "0" as "the stream is empty", which seq 1 must say too.
  if (s == NATS_OK && seq == 1)
    s = natsMsgHeader_Set(msg.get(), "Nats-Expected-Last-Sequence", "0");
  if (s != NATS_OK) return Status::IOError(Describe("building a message", s));
  const std::string id = MessageId(identity_, seq);
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = id.c_str();
  po.ExpectLastSeq = seq - 1;
  po.MaxWait = kAckWaitMs;  // an ack that never comes becomes an error
  for (;;) {
    natsMsg* m = msg.get();
    s = js_PublishMsgAsync(nats_.js(), &m, &po);
    if (m == nullptr) (void)msg.release();  // the library owns it now
    // A full window past StallWait: wait on, unless something failed.
    if (s == NATS_TIMEOUT && m != nullptr && !failed_.load() && !stop_.load()) continue;
    break;
  }
  if (s != NATS_OK) return Status::IOError(Describe("publishing", s));
  return Status::Ok();
}

Status Shipper::PublishFrom(uint64_t next, bool* done) {
  failed_.store(false);
  bool unflushed = false;
  while (!stop_.load()) {
    if (failed_.load()) {
      std::lock_guard lock(error_mutex_);
      return Status::IOError(error_);
    }
    auto head = LocalHead(engine_);
    if (!head.ok()) return head.status();
    if (next > *head) {
      if (cfg_.once) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = kAckWaitMs;
        (void)js_PublishAsyncComplete(nats_.js(), &po);
        if (!failed_.load() && acked_.load() >= *head) {
          *done = true;
          return Status::Ok();
        }
        continue;
      }
      // Caught up: send what nats.c holds in its buffer now (it waits to
      // fill it, which would add tens of ms to every acknowledgement a
      // --wait-for-ship writer waits for), then sleep until the next commit.
      if (unflushed) {
        (void)natsConnection_FlushTimeout(nats_.conn(), kAckWaitMs);
        unflushed = false;
      }
      if (auto w = engine_.WaitForCommit(*head, 100); !w.ok()) return w.status();
      continue;
    }
    // Only what a machine crash cannot take from the log goes on the stream:
    // a writer's commit is visible a moment before its own sync ends.
    if (Status st = StoreReplication(engine_).SyncVisible(); !st.ok()) return st;
    auto snap = engine_.Read();
    if (!snap.ok()) return snap.status();
    Status failure;
    size_t sent = 0;
    Status scan = snap->ScanStored(next, [&](uint64_t seq, std::string_view stored) {
      if (seq > *head) return false;  // committed after the sync
      failure = PublishOne(seq, stored);
      if (!failure.ok()) return false;
      ++sent;
      return sent < kScanChunk && !failed_.load() && !stop_.load();
    });
    if (!scan.ok()) return scan;  // a damaged record: never shipped
    if (!failure.ok()) return failure;
    next += sent;
    unflushed = unflushed || sent > 0;
  }
  return Status::Ok();
}

void Shipper::Settle() {
  if (!nats_.js()) return;
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = kAckWaitMs * 2;
  if (js_PublishAsyncComplete(nats_.js(), &po) == NATS_OK) return;
  // Still unanswered: take them back; the stream's end tells what landed.
  natsMsgList pending{};
  if (js_PublishAsyncGetPendingList(&pending, nats_.js()) == NATS_OK)
    natsMsgList_Destroy(&pending);
}

Result<Reached> Shipper::Run() {
  auto id = LocalIdentity(engine_);
  Backoff backoff;
  while (!stop_.load()) {
    if (!id.ok()) return id.status();
    if (id->empty()) {  // an empty log: nothing to ship yet
      if (cfg_.once) return Reached{0};
      (void)engine_.WaitForCommit(0, 200);
      id = LocalIdentity(engine_);
      continue;
    }
    identity_ = *id;
    if (!nats_.js()) {
      if (Status st = Connect(); !st.ok()) {
        if (st.code() == Status::Code::kInvalidInput) return st;
        spdlog::warn("annal ship: {}; retrying", st.message());
        if (!backoff.Wait(stop_)) break;
        continue;
      }
      if (cfg_.kek) {
        keys_.emplace(engine_, *cfg_.kek);
        if (Status st = keys_->Start(nats_.conn(), cfg_.nats.KeysSubject()); !st.ok())
          return st;
      }
    }
    auto next = Resume();
    if (!next.ok()) {
      if (next.status().code() != Status::Code::kIOError) return next.status();
      spdlog::warn("annal ship: {}; retrying", next.status().message());
      if (!backoff.Wait(stop_)) break;
      continue;
    }
    backoff.Reset();
    bool done = false;
    Status st = PublishFrom(*next, &done);
    Settle();
    if (done) break;
    if (!st.ok()) {
      if (st.code() != Status::Code::kIOError) return st;
      spdlog::warn("annal ship: {}; resuming from the stream's end", st.message());
      if (!backoff.Wait(stop_)) break;
    }
  }
  Settle();
  return Reached{acked_.load()};
}

}  // namespace

Result<Reached> Ship(Engine& engine, const ShipSettings& settings,
                     const std::atomic<bool>& stop) {
  Shipper shipper(engine, settings, stop);
  return shipper.Run();
}

}  // namespace annal::replication
