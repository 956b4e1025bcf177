#include "store/buffered_kv.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace annal::internal {
namespace {

// What an entry costs beside its bytes in the arena (its Entry, its slots):
// an estimate that keeps the budget honest for small keys and values.
constexpr size_t kEntryOverhead = 80;

}  // namespace

EntryTable& BufferedKv::TableFor(Db db) {
  if (!(allowed_ & MaskOf(db))) {
    throw std::logic_error("sub-database " + std::string(Spec(db).name) +
                           " is not owned by the component writing to it");
  }
  return tables_[static_cast<size_t>(db)];
}

BufferedKv::Entry& BufferedKv::Insert(EntryTable& t, Db db, std::string_view key,
                                      uint64_t hash) {
  Entry& e = t.Insert(key, hash, arena_);
  bytes_ += kEntryOverhead;
  if (auto& ordered = ordered_[static_cast<size_t>(db)]) ordered->insert(e.key_view());
  return e;
}

BufferedKv::Entry& BufferedKv::Load(EntryTable& t, Db db, std::string_view key,
                                    uint64_t hash) {
  if (Entry* e = t.Find(key, hash)) return *e;
  below_.Restrict(~uint64_t{0});
  const bool found = below_.Get(db, key, scratch_);
  Entry& e = Insert(t, db, key, hash);
  if (found) EntryTable::SetValue(e, scratch_.view(), arena_);
  return e;
}

bool BufferedKv::Get(Db db, std::string_view key, AlignedBuf& out) {
  const Entry& e = Load(TableFor(db), db, key, EntryTable::HashOf(key));
  if (!e.present) return false;
  out.Assign(*e.value_view());
  return true;
}

bool BufferedKv::Has(Db db, std::string_view key) {
  return Load(TableFor(db), db, key, EntryTable::HashOf(key)).present;
}

void BufferedKv::Write(Db db, std::string_view key,
                       std::optional<std::string_view> value) {
  EntryTable& t = TableFor(db);
  if (bytes() > budget_) FlushEntries();
  const uint64_t hash = EntryTable::HashOf(key);
  Entry* e = t.Find(key, hash);
  if (!e) e = &Insert(t, db, key, hash);
  EntryTable::SetValue(*e, value, arena_);
  e->dirty = true;
}

void BufferedKv::Put(Db db, std::string_view key, std::string_view value) {
  Write(db, key, value);
}

bool BufferedKv::Del(Db db, std::string_view key) {
  EntryTable& t = TableFor(db);
  Entry& e = Load(t, db, key, EntryTable::HashOf(key));
  if (!e.present) return false;
  e.present = false;
  e.dirty = true;
  return true;
}

void BufferedKv::ScanKeysBackward(
    Db db, const std::function<bool(std::string_view key)>& visit) {
  // The keys below and the buffered ones, merged from the last backwards; a
  // buffered entry replaces the key below it (or hides it, when absent).
  EntryTable& t = TableFor(db);
  auto& ordered = ordered_[static_cast<size_t>(db)];
  if (!ordered) {
    ordered = std::make_unique<std::set<std::string_view>>();
    for (const Entry& e : t.entries()) ordered->insert(e.key_view());
  }
  auto it = ordered->rbegin();
  bool go_on = true;
  auto has_value = [&](std::string_view key) {
    return t.Find(key, EntryTable::HashOf(key))->present;
  };
  auto emit_buffered_above = [&](std::optional<std::string_view> bound) {
    for (; go_on && it != ordered->rend() && (!bound || *it > *bound); ++it) {
      if (has_value(*it)) go_on = visit(*it);
    }
  };
  below_.Restrict(~uint64_t{0});
  below_.ScanKeysBackward(db, [&](std::string_view key) {
    emit_buffered_above(key);
    if (!go_on) return false;
    if (it != ordered->rend() && *it == key) {
      if (has_value(key)) go_on = visit(key);
      ++it;
    } else {
      go_on = visit(key);
    }
    return go_on;
  });
  emit_buffered_above(std::nullopt);
}

BufferedKv::~BufferedKv() {
  for (HeldWrites* w : held_) w->Drop();
}

bool BufferedKv::Hold(HeldWrites& w) {
  if (std::find(held_.begin(), held_.end(), &w) == held_.end()) held_.push_back(&w);
  return true;
}

void BufferedKv::Release(HeldWrites& w) { std::erase(held_, &w); }

void BufferedKv::Flush() {
  const uint64_t allowed = allowed_;
  // Still registered while they write out: if one throws (a full map), the
  // destructor drops them all, so none keeps rows for a dead buffer.
  for (size_t i = 0; i < held_.size(); ++i) held_[i]->WriteOut(*this);
  held_.clear();
  allowed_ = allowed;
  FlushEntries();
}

void BufferedKv::FlushEntries() {
  // The buffer enforces the mask itself; below, every sub-database is open
  // to it, for its flushes and for its reads on a miss alike.
  below_.Restrict(~uint64_t{0});
  for (size_t i = 0; i < kMaxDbs; ++i) {
    const Db db = static_cast<Db>(i);
    if (tables_[i].empty()) continue;  // (and so is its ordered index)
    for (const Entry* e : tables_[i].DirtySorted()) {
      if (e->present) {
        below_.Put(db, e->key_view(), *e->value_view());
      } else {
        below_.Del(db, e->key_view());
      }
    }
    tables_[i].Clear();
    ordered_[i].reset();
  }
  arena_.Reset();
  bytes_ = 0;
}

}  // namespace annal::internal
