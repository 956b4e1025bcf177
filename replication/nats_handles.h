// Owning handles for nats.c objects, a connection built from NatsSettings,
// and the stream calls both sides need (create, last sequence, one message),
// each retried where a cluster's election makes it fail for a while.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "annal/status.h"
#include "replication/replication.h"

namespace annal::replication {

struct NatsDeleter {
  void operator()(natsConnection* p) const { natsConnection_Destroy(p); }
  void operator()(natsOptions* p) const { natsOptions_Destroy(p); }
  void operator()(jsCtx* p) const { jsCtx_Destroy(p); }
  void operator()(natsMsg* p) const { natsMsg_Destroy(p); }
  void operator()(jsStreamInfo* p) const { jsStreamInfo_Destroy(p); }
  void operator()(jsMsgMetaData* p) const { jsMsgMetaData_Destroy(p); }
};
template <class T>
using NatsPtr = std::unique_ptr<T, NatsDeleter>;

// "what: nats status text (JetStream error N)".
std::string Describe(const char* what, natsStatus s,
                     jsErrCode code = static_cast<jsErrCode>(0));

// A connection that reconnects by itself for ever, and its JetStream
// context. `js_options` is filled by the caller before Connect (the shipper
// sets its ack handler there).
class Nats {
 public:
  Status Connect(const NatsSettings& settings, jsOptions* js_options);
  jsCtx* js() const { return js_.get(); }
  natsConnection* conn() const { return conn_.get(); }

 private:
  NatsPtr<natsConnection> conn_;
  NatsPtr<jsCtx> js_;
};

// Waits between retries: 50 ms doubling to 2 s, interrupted by `stop`.
class Backoff {
 public:
  // False when `stop` was set while waiting.
  bool Wait(const std::atomic<bool>& stop);
  void Reset() { ms_ = 50; }

 private:
  int ms_ = 50;
};

// The stream's last sequence (0: empty); nullopt when the stream does not
// exist. Errors are what a retry may mend.
Result<std::optional<uint64_t>> StreamLastSeq(jsCtx* js, const std::string& stream);
// Creates the stream (file storage, `replicas`, a duplicate window of two
// minutes, deletes and purges denied, no limits) unless it exists.
Status CreateStream(jsCtx* js, const NatsSettings& settings, int replicas);
// The payload of the stream's message at `seq`.
Result<std::string> StreamMessage(jsCtx* js, const std::string& stream, uint64_t seq);

}  // namespace annal::replication
