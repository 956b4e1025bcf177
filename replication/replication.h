// replication/replication.h: the log beyond one machine (docs/replication.md).
// Ship() publishes a store's log to a NATS JetStream stream, one message per
// record, stream sequence = log seq, exactly once by the server's own checks;
// Follow() makes a store a replica of such a stream. Both run until `stop` is
// set (or, with `once`, until the stream and the log agree), ride out leader
// elections, lost quorum and restarted servers by waiting and retrying, and
// return an error only for what retrying cannot mend: a stream that is not
// this store's log, a record that fails its checks (named by seq).
//
// Thread-safety: each call runs on the caller's thread (nats.c adds its own);
// `engine` may be used by other threads meanwhile. Over the public API only.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "annal/engine.h"
#include "annal/replication.h"

namespace annal::replication {

// Where the stream is and how to reach it.
struct NatsSettings {
  std::vector<std::string> urls;  // nats://host:port, tried in turn
  std::string stream = "annal";   // the stream's name
  std::string subject;            // default: "<stream>.log"
  std::string creds_file;         // a NATS credentials (JWT + nkey) file
  std::string tls_ca;             // CA bundle: turns TLS on
  std::string tls_cert, tls_key;  // a client certificate, when the servers ask
  std::string Subject() const { return subject.empty() ? stream + ".log" : subject; }
  // Where the subjects' keys are asked for (core NATS, not the stream).
  std::string KeysSubject() const { return stream + ".keys"; }
};

struct ShipSettings {
  NatsSettings nats;
  int replicas = 3;   // of a stream ship creates
  bool once = false;  // return once the stream holds the whole log
  int window = 4096;  // publishes in flight, unacknowledged
  // With it, replicas that hold the same one get the subjects' keys.
  std::optional<StoreReplication::KeyEncryptionKey> kek;
};

struct FollowSettings {
  NatsSettings nats;
  bool once = false;  // return once the store holds the stream's last message
  int batch = 1000;   // records per fetch and per write transaction
  // With it, the subjects' keys are asked of the shipper (it must hold the
  // same one); without, sealed values read as erased.
  std::optional<StoreReplication::KeyEncryptionKey> kek;
};

// What a run reached, for its caller's last line.
struct Reached {
  uint64_t seq = 0;  // log seq acknowledged by the stream (Ship), applied (Follow)
};

Result<Reached> Ship(Engine& engine, const ShipSettings& settings,
                     const std::atomic<bool>& stop);
Result<Reached> Follow(Engine& engine, const FollowSettings& settings,
                       const std::atomic<bool>& stop);

// The message id of the record at `seq` of the store whose seq-1 chain hash
// is `identity` (32 bytes): "<first 8 bytes of it in hex>-<seq>".
std::string MessageId(std::string_view identity, uint64_t seq);

}  // namespace annal::replication
