// The subjects' keys (docs/security.md, "Erasure"): one random AES-256 key
// per subject in the subject_keys sub-database, never in the log, an
// export or the stream. A key is created, committed and made durable in a
// transaction of its own before the first record sealed under it (the
// journal holds log values only: a power loss must not keep a record and
// lose its key); it is destroyed in the transaction that logs the
// subject's SubjectForgotten, from the append, a recovery or a replica's
// stream alike. Everything here runs inside the caller's transaction.
#pragma once

#include <lmdb.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "annal/events.h"
#include "events/sealed.h"

namespace annal {
namespace internal {

// The handle of a store's subject_keys when it has none (a store written
// before erasure, opened read-only): every lookup finds no key.
inline constexpr MDB_dbi kNoSubjectKeys = ~MDB_dbi{0};

std::optional<SubjectKey> LoadSubjectKey(MDB_txn* txn, MDB_dbi keys,
                                         std::string_view subject);

// The event as it must be logged at `seq`: `ev` itself when it has no
// subject, else a copy in `*scratch` with its personal fields sealed (an
// event of your own's: those named in `declared_personal`).
// std::logic_error when the subject has no key (SubjectKeyCreator first).
const Event& SealedForLog(MDB_txn* txn, MDB_dbi keys, const Event& ev, uint64_t seq,
                          const std::vector<std::string>& declared_personal,
                          Event* scratch);

// Keys for the subjects of a group's events that have none: Need() each
// event, drop those that have a key (a read transaction), then, if any is
// left, create them in a write transaction committed durably
// (engine/append.cc, CreateSubjectKeys).
class SubjectKeyCreator {
 public:
  void Need(const Event& ev);
  bool empty() const { return subjects_.empty(); }
  // Forgets the subjects that have a key in `txn`; true when none is left.
  bool DropThoseWithKeys(MDB_txn* txn, MDB_dbi keys);
  void CreateIn(MDB_txn* txn, MDB_dbi keys) const;

 private:
  std::set<std::string, std::less<>> subjects_;
};

// A logged SubjectForgotten's effect: its subject's key destroyed.
void DestroySubjectKey(MDB_txn* txn, MDB_dbi keys, std::string_view subject);

// Opens sealed values for reading, caching each subject's key.
class SubjectKeyReader {
 public:
  SubjectKeyReader(MDB_txn* txn, MDB_dbi keys) : txn_(txn), keys_(keys) {}
  // The plain value of a sealed one; nullopt when it is erased.
  std::optional<std::string> Open(std::string_view sealed);
  // Every sealed personal field of `ev` opened, or erased (absent or empty,
  // and named in ev.erased); ev.subject set to theirs.
  void OpenEvent(Event& ev);

 private:
  MDB_txn* txn_;
  MDB_dbi keys_;
  std::map<std::string, std::optional<SubjectKey>, std::less<>> cache_;
};

// Why a personal value given at the front door is refused (it looks
// sealed), or nullopt.
std::optional<std::string> SealedLookalike(const Event& ev);

}  // namespace internal
}  // namespace annal
