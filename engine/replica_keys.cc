// Subject keys copied to a replica (annal/replication.h, WrapSubjectKeys and
// InstallSubjectKeys; docs/replication.md, "Subject keys"). Why the seq a
// key was read at travels with it: a replica that applied a subject's
// forget after that seq must not install the key, which its primary has
// destroyed since; one whose head is still before it would destroy the key
// when it applies an older forget, so it waits (kBusy).
#include <cstring>
#include <set>

#include "annal/replication.h"
#include "engine/engine_impl.h"
#include "engine/subject_keys.h"
#include "events/log_reader.h"
#include "events/sealed.h"
#include "store/keys.h"
#include "store/lmdb.h"
#include "store/meta.h"

namespace annal {

using namespace internal;

namespace {

// The associated data of a wrapped key: what it is, whose, and when read.
std::string WrapAad(std::string_view subject, uint64_t read_at) {
  std::string aad = "annal subject key";
  aad += '\0';
  aad += subject;
  aad += '\0';
  aad += std::to_string(read_at);
  return aad;
}

SubjectKey AsKey(const StoreReplication::KeyEncryptionKey& kek) {
  SubjectKey key;
  std::memcpy(key.data(), kek.data(), key.size());
  return key;
}

// The subjects forgotten by records after `after` up to the head.
std::set<std::string, std::less<>> ForgottenAfter(MDB_txn* txn, MDB_dbi log,
                                                  uint64_t after) {
  std::set<std::string, std::less<>> forgotten;
  LogReader reader(txn, log, after + 1);
  while (const LogRecord* r = reader.Next()) {
    if (r->record->event_type() == fbs::Event::SubjectForgotten)
      forgotten.emplace(r->record->event_as_SubjectForgotten()->subject()->string_view());
  }
  return forgotten;
}

}  // namespace

Result<StoreReplication::WrappedSubjectKeys> StoreReplication::WrapSubjectKeys(
    std::span<const std::string> subjects, const KeyEncryptionKey& kek) const {
  Engine::Impl& s = *engine_.impl_;
  const SubjectKey wrapping = AsKey(kek);
  return s.RetryingOnMapFull([&]() -> Result<WrappedSubjectKeys> {
    SharedMapLock map_lock(s.map_mutex);
    Txn txn(s.env.handle(), Txn::kReadOnly);
    WrappedSubjectKeys out;
    out.read_at = LogHead(txn.handle(), s.log());
    for (const std::string& subject : subjects) {
      auto key = LoadSubjectKey(txn.handle(), s.subject_keys(), subject);
      std::optional<std::string> wrapped;
      if (key) {
        wrapped = Encrypt(
            std::string_view(reinterpret_cast<const char*>(key->data()), key->size()),
            WrapAad(subject, out.read_at), wrapping);
      }
      out.keys.emplace_back(subject, std::move(wrapped));
    }
    return out;
  });
}

Result<size_t> StoreReplication::InstallSubjectKeys(const WrappedSubjectKeys& keys,
                                                    const KeyEncryptionKey& kek) {
  Engine::Impl& s = *engine_.impl_;
  if (s.options.read_only)
    return Status::InvalidInput("store opened read-only: " + s.dir);
  const SubjectKey wrapping = AsKey(kek);
  return s.RetryingOnMapFull([&]() -> Result<size_t> {
    SharedMapLock map_lock(s.map_mutex);
    MutexLock write_lock(s.write_mutex);
    Txn txn = s.BeginWrite();
    if (ReadMode(txn.handle(), s.meta()) != "replica") {
      return Status::InvalidInput(s.dir +
                                  " is not a replica: its subject keys are its own");
    }
    const uint64_t head = LogHead(txn.handle(), s.log());
    if (head < keys.read_at) {
      return Status::Busy("keys read at seq " + std::to_string(keys.read_at) +
                          " wait until the replica has applied that far (it is at " +
                          std::to_string(head) + ")");
    }
    const auto forgotten = ForgottenAfter(txn.handle(), s.log(), keys.read_at);
    size_t installed = 0;
    for (const auto& [subject, wrapped] : keys.keys) {
      if (!wrapped || forgotten.contains(subject) || !IsSubjectName(subject)) continue;
      auto key = Decrypt(*wrapped, WrapAad(subject, keys.read_at), wrapping);
      if (!key || key->size() != SubjectKey{}.size()) {
        return Status::Corruption("the key of subject " + subject +
                                  " does not open with this key-encryption key "
                                  "(another one, or altered on the way)");
      }
      auto mine = LoadSubjectKey(txn.handle(), s.subject_keys(), subject);
      if (mine && std::memcmp(mine->data(), key->data(), key->size()) == 0) continue;
      PutOrThrow(txn.handle(), s.subject_keys(), keys::Id(subject), *key);
      ++installed;
    }
    if (installed > 0) s.CommitDurably(txn);
    return installed;
  });
}

}  // namespace annal
