// Subject keys for replicas over core NATS request/reply, never the stream
// (docs/replication.md, "Subject keys"). The shipper answers requests on
// "<stream>.keys" with keys wrapped under the key-encryption key
// (StoreReplication::WrapSubjectKeys); a replica asks for the subjects whose
// sealed values it applied but cannot open, and installs the answers once
// its head reaches the seq they were read at. Without a key file on both
// sides nothing is asked or answered, and a replica reads sealed values as
// erased.
//
// Thread-safety: KeyService answers on nats.c's delivery thread (the engine
// is thread-safe); a KeyFetcher belongs to the follower's thread.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "annal/replication.h"

namespace annal::replication {

using KeyEncryptionKey = StoreReplication::KeyEncryptionKey;

// The key-encryption key in `path`: 32 bytes, or 64 hex digits (a trailing
// newline allowed). kInvalidInput naming the file otherwise; a file others
// may read is refused too.
Result<KeyEncryptionKey> ReadKeyFile(const std::string& path);

// The wire form (docs/replication.md): a request is "annal-keys 1" and one
// subject per line; an answer "annal-keys 1 READ_AT" and one line per
// subject, "SUBJECT WRAPPED" or "SUBJECT -".
std::string KeyRequest(const std::set<std::string>& subjects);
std::optional<std::vector<std::string>> ParseKeyRequest(std::string_view text);
std::string KeyAnswer(const StoreReplication::WrappedSubjectKeys& keys);
std::optional<StoreReplication::WrappedSubjectKeys> ParseKeyAnswer(std::string_view text);

class KeyService {
 public:
  KeyService(Engine& engine, const KeyEncryptionKey& kek) : engine_(engine), kek_(kek) {}
  ~KeyService();
  KeyService(const KeyService&) = delete;
  KeyService& operator=(const KeyService&) = delete;
  Status Start(natsConnection* conn, const std::string& subject);

 private:
  static void OnRequest(natsConnection* conn, natsSubscription*, natsMsg* msg,
                        void* self);
  Engine& engine_;
  const KeyEncryptionKey kek_;
  natsSubscription* sub_ = nullptr;
};

class KeyFetcher {
 public:
  KeyFetcher(Engine& engine, const KeyEncryptionKey& kek, std::string subject)
      : engine_(engine), kek_(kek), subject_(std::move(subject)) {}
  // After the records from `from` to `head` were applied: asks for the keys
  // of subjects whose values there do not open, and installs what it can.
  void Applied(natsConnection* conn, uint64_t from, uint64_t head);
  // While idle: asks again for what a failed request left (at most every
  // two seconds), and installs what waits for the head.
  void Idle(natsConnection* conn, uint64_t head);

 private:
  void Ask(natsConnection* conn);
  void Install(uint64_t head);

  Engine& engine_;
  const KeyEncryptionKey kek_;
  const std::string subject_;
  // Per subject, the seq its last answer was read at: a record after it
  // needs asking again (its key may be newer).
  std::map<std::string, uint64_t> answered_at_;
  std::set<std::string> wanted_;
  std::vector<StoreReplication::WrappedSubjectKeys> waiting_;
  std::chrono::steady_clock::time_point last_failure_{};
  bool warned_ = false;
};

}  // namespace annal::replication
