#include "store/entry_table.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace annal::internal {

char* Arena::Allocate(size_t n) {
  n = (n + 7) & ~size_t{7};
  if (chunks_.empty() || used_ + n > room_) {
    // Chunks grow from kFirstChunk to kChunk: a one-event batch must not pay
    // for a replay's. Left uninitialized: every byte is written before read.
    const size_t next = chunks_.empty() ? kFirstChunk : std::min(room_ * 2, kChunk);
    room_ = std::max(next, n);
    chunks_.push_back(std::unique_ptr<char[]>(new char[room_]));
    used_ = 0;
  }
  char* p = chunks_.back().get() + used_;
  used_ += n;
  bytes_ += n;
  return p;
}

void Arena::Reset() {
  // The last chunk, the largest, is kept for the next batch.
  if (chunks_.size() > 1) chunks_.erase(chunks_.begin(), chunks_.end() - 1);
  used_ = 0;
  bytes_ = 0;
}

uint64_t EntryTable::HashOf(std::string_view key) {
  return std::hash<std::string_view>()(key);
}

EntryTable::Entry* EntryTable::Find(std::string_view key, uint64_t hash) {
  if (slots_.empty()) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.index_plus_one == 0) return nullptr;
    if (s.hash != hash) continue;
    Entry& e = entries_[s.index_plus_one - 1];
    if (e.key_size == key.size() &&
        (key.empty() || std::memcmp(e.key, key.data(), key.size()) == 0)) {
      return &e;
    }
  }
}

void EntryTable::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{0, 0});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.index_plus_one == 0) continue;
    size_t i = s.hash & mask;
    while (slots_[i].index_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

EntryTable::Entry& EntryTable::Insert(std::string_view key, uint64_t hash, Arena& arena) {
  if ((entries_.size() + 1) * 4 > slots_.size() * 3) Grow();
  char* k = arena.Allocate(key.size());
  if (!key.empty()) std::memcpy(k, key.data(), key.size());
  entries_.push_back(
      Entry{k, nullptr, static_cast<uint32_t>(key.size()), 0, 0, false, false});
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].index_plus_one != 0) i = (i + 1) & mask;
  slots_[i] = Slot{hash, static_cast<uint32_t>(entries_.size())};
  return entries_.back();
}

void EntryTable::SetValue(Entry& e, std::optional<std::string_view> value, Arena& arena) {
  e.present = value.has_value();
  if (!value) return;
  if (value->size() > e.value_room) {
    e.value = arena.Allocate(value->size());
    e.value_room = static_cast<uint32_t>(value->size());
  }
  // (memmove: the new value may be a view of this entry's own bytes; none
  // for an empty one, whose data() may be null)
  if (!value->empty()) std::memmove(e.value, value->data(), value->size());
  e.value_size = static_cast<uint32_t>(value->size());
}

std::vector<const EntryTable::Entry*> EntryTable::DirtySorted() const {
  std::vector<const Entry*> v;
  v.reserve(entries_.size());
  for (const Entry& e : entries_) {
    if (e.dirty) v.push_back(&e);
  }
  std::sort(v.begin(), v.end(),
            [](const Entry* a, const Entry* b) { return a->key_view() < b->key_view(); });
  return v;
}

void EntryTable::Clear() {
  entries_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{0, 0});
}

}  // namespace annal::internal
