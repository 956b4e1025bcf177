#include "engine/subject_keys.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "store/errors.h"
#include "store/keys.h"
#include "store/lmdb.h"

namespace annal::internal {

std::optional<SubjectKey> LoadSubjectKey(MDB_txn* txn, MDB_dbi keys,
                                         std::string_view subject) {
  if (keys == kNoSubjectKeys) return std::nullopt;
  auto v = GetInPlace(txn, keys, keys::Id(subject));
  if (!v) return std::nullopt;
  SubjectKey key;
  if (v->size() != key.size())
    throw CorruptionError("the key of subject " + std::string(subject) +
                          " in subject_keys is not 32 bytes");
  std::memcpy(key.data(), v->data(), key.size());
  return key;
}

const Event& SealedForLog(MDB_txn* txn, MDB_dbi keys, const Event& ev, uint64_t seq,
                          const std::vector<std::string>& declared_personal,
                          Event* scratch) {
  if (!ev.subject) return ev;
  auto key = LoadSubjectKey(txn, keys, *ev.subject);
  if (!key) throw std::logic_error("subject " + *ev.subject + " has no key to seal with");
  *scratch = ev;
  ForEachPersonal(*scratch, [&](std::string_view, std::string& v, auto*) {
    v = Seal(v, *ev.subject, *key);
  });
  if (auto* d = std::get_if<DeclaredEvent>(&scratch->body)) {
    for (auto& [name, value] : d->fields) {
      auto* text = std::get_if<std::string>(&value);
      if (text && std::find(declared_personal.begin(), declared_personal.end(), name) !=
                      declared_personal.end())
        *text = Seal(*text, *ev.subject, *key);
    }
  }
  scratch->subject.reset();  // the sealed values name it
  scratch->erased.clear();
  return *scratch;
}

void SubjectKeyCreator::Need(const Event& ev) {
  if (!ev.subject || !IsSubjectName(*ev.subject)) return;  // (the validator says why)
  if (!subjects_.contains(*ev.subject)) subjects_.insert(*ev.subject);
}

bool SubjectKeyCreator::DropThoseWithKeys(MDB_txn* txn, MDB_dbi keys) {
  std::erase_if(subjects_, [&](const std::string& subject) {
    return GetInPlace(txn, keys, keys::Id(subject)).has_value();
  });
  return subjects_.empty();
}

void SubjectKeyCreator::CreateIn(MDB_txn* txn, MDB_dbi keys) const {
  for (const std::string& subject : subjects_) {
    if (LoadSubjectKey(txn, keys, subject)) continue;
    const SubjectKey key = NewSubjectKey();
    PutOrThrow(txn, keys, keys::Id(subject),
               std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
  }
}

void DestroySubjectKey(MDB_txn* txn, MDB_dbi keys, std::string_view subject) {
  const keys::Key k = keys::Id(subject);
  MDB_val key{k.view().size(), const_cast<char*>(k.view().data())};
  const int rc = mdb_del(txn, keys, &key, nullptr);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) lmdb::error::raise("mdb_del (a key)", rc);
}

std::optional<std::string> SubjectKeyReader::Open(std::string_view sealed) {
  auto subject = SealedSubject(sealed);
  if (!subject) return std::nullopt;
  auto it = cache_.find(*subject);
  if (it == cache_.end())
    it = cache_.emplace(std::string(*subject), LoadSubjectKey(txn_, keys_, *subject))
             .first;
  if (!it->second) return std::nullopt;
  return Unseal(sealed, *it->second);
}

void SubjectKeyReader::OpenEvent(Event& ev) {
  if (auto* d = std::get_if<DeclaredEvent>(&ev.body)) {  // its personal fields
    std::erase_if(d->fields, [&](auto& field) {
      auto* text = std::get_if<std::string>(&field.second);
      if (!text || !LooksSealed(*text)) return false;
      if (auto subject = SealedSubject(*text)) ev.subject = std::string(*subject);
      if (auto plain = Open(*text)) {
        *text = std::move(*plain);
        return false;
      }
      ev.erased.push_back(field.first);
      return true;  // erased: absent
    });
  }
  std::optional<std::string>* erased_optional[2] = {};  // reset after the visit
  size_t n = 0;
  ForEachPersonal(
      ev, [&](std::string_view name, std::string& v, std::optional<std::string>* holder) {
        if (!LooksSealed(v)) return;
        if (auto subject = SealedSubject(v)) ev.subject = std::string(*subject);
        if (auto plain = Open(v)) {
          v = std::move(*plain);
          return;
        }
        v.clear();
        if (holder) erased_optional[n++] = holder;
        ev.erased.emplace_back(name);
      });
  for (size_t i = 0; i < n; ++i) erased_optional[i]->reset();
}

std::optional<std::string> SealedLookalike(const Event& ev) {
  std::optional<std::string> why;
  ForEachPersonal(ev, [&](std::string_view name, const std::string& v, auto*) {
    if (!why && LooksSealed(v))
      why = "field \"" + std::string(name) +
            "\" begins with U+0001, which marks a sealed value (docs/security.md)";
  });
  if (why) return why;
  if (auto* d = std::get_if<DeclaredEvent>(&ev.body)) {
    for (const auto& [name, value] : d->fields) {
      auto* text = std::get_if<std::string>(&value);
      if (text && LooksSealed(*text))
        return "field \"" + name +
               "\" begins with U+0001, which marks a sealed value (docs/security.md)";
    }
  }
  return std::nullopt;
}

}  // namespace annal::internal
