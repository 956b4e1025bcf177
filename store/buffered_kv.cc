#include "store/buffered_kv.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace annal::internal {
namespace {

// What an entry costs beyond its bytes (map node, strings): an estimate that
// keeps the budget honest for small keys and values.
constexpr size_t kEntryOverhead = 96;

}  // namespace

BufferedKv::Table& BufferedKv::TableFor(Db db) {
  if (!(allowed_ & MaskOf(db))) {
    throw std::logic_error("sub-database " + std::string(Spec(db).name) +
                           " is not owned by the component writing to it");
  }
  return tables_[static_cast<size_t>(db)];
}

BufferedKv::Entry& BufferedKv::Load(Table& t, Db db, std::string_view key) {
  if (auto it = t.find(key); it != t.end()) return it->second;
  below_.Restrict(~uint64_t{0});
  Entry e;
  if (below_.Get(db, key, scratch_)) e.value.emplace(scratch_.view());
  bytes_ += key.size() + (e.value ? e.value->size() : 0) + kEntryOverhead;
  auto it = t.emplace(std::string(key), std::move(e)).first;
  Inserted(db, it->first);
  return it->second;
}

bool BufferedKv::Get(Db db, std::string_view key, AlignedBuf& out) {
  Entry& e = Load(TableFor(db), db, key);
  if (!e.value) return false;
  out.Assign(*e.value);
  return true;
}

bool BufferedKv::Has(Db db, std::string_view key) {
  return Load(TableFor(db), db, key).value.has_value();
}

void BufferedKv::Write(Db db, std::string_view key,
                       std::optional<std::string_view> value) {
  Table& t = TableFor(db);
  if (bytes_ > budget_) Flush();
  auto it = t.find(key);
  if (it == t.end()) {
    it = t.emplace(std::string(key), Entry{}).first;
    bytes_ += key.size() + kEntryOverhead;
    Inserted(db, it->first);
  }
  Entry& e = it->second;
  const size_t before = e.value ? e.value->size() : 0;
  if (value) {
    e.value.emplace(*value);
  } else {
    e.value.reset();
  }
  bytes_ += (value ? value->size() : 0);
  bytes_ -= std::min(bytes_, before);
  e.dirty = true;
}

void BufferedKv::Put(Db db, std::string_view key, std::string_view value) {
  Write(db, key, value);
}

bool BufferedKv::Del(Db db, std::string_view key) {
  const bool existed = Load(TableFor(db), db, key).value.has_value();
  if (existed) Write(db, key, std::nullopt);
  return existed;
}

std::vector<std::pair<std::string_view, const BufferedKv::Entry*>> BufferedKv::Sorted(
    const Table& t) {
  std::vector<std::pair<std::string_view, const Entry*>> v;
  v.reserve(t.size());
  for (const auto& [key, e] : t) v.emplace_back(key, &e);
  std::sort(v.begin(), v.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return v;
}

void BufferedKv::Inserted(Db db, std::string_view key) {
  if (auto& ordered = ordered_[static_cast<size_t>(db)]) ordered->insert(key);
}

void BufferedKv::ScanKeysBackward(
    Db db, const std::function<bool(std::string_view key)>& visit) {
  // The keys below and the buffered ones, merged from the last backwards; a
  // buffered entry replaces the key below it (or hides it, when absent).
  Table& t = TableFor(db);
  auto& ordered = ordered_[static_cast<size_t>(db)];
  if (!ordered) {
    ordered = std::make_unique<std::set<std::string_view>>();
    for (const auto& [key, e] : t) ordered->insert(key);
  }
  auto it = ordered->rbegin();
  bool go_on = true;
  auto has_value = [&](std::string_view key) {
    return t.find(key)->second.value.has_value();
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

void BufferedKv::Flush() {
  // The buffer enforces the mask itself; below, every sub-database is open
  // to it, for its flushes and for its reads on a miss alike.
  below_.Restrict(~uint64_t{0});
  for (size_t i = 0; i < kDbCount; ++i) {
    const Db db = static_cast<Db>(i);
    if (tables_[i].empty()) continue;  // (and so is its ordered index)
    for (const auto& [key, e] : Sorted(tables_[i])) {
      if (!e->dirty) continue;
      if (e->value) {
        below_.Put(db, key, *e->value);
      } else {
        below_.Del(db, key);
      }
    }
    tables_[i].clear();
    ordered_[i].reset();
  }
  bytes_ = 0;
}

}  // namespace annal::internal
