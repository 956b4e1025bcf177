#include "engine/replay_feed.h"

#include <cstring>

#include "engine/replay.h"
#include "events/log_reader.h"
#include "store/lmdb.h"

namespace annal::internal {

ReplayFeed::ReplayFeed(MDB_env* env, MDB_dbi log, uint64_t from, uint64_t to,
                       const Hash& prev, bool decode)
    : reader_([=, this] { Read(env, log, from, to, prev, decode); }) {}

ReplayFeed::~ReplayFeed() {
  full_.Close();
  reader_.join();
}

std::unique_ptr<ReplayFeed::Chunk> ReplayFeed::FreeChunk() {
  std::unique_ptr<Chunk> chunk;
  {
    MutexLock l(free_mu_);
    if (!free_.empty()) {
      chunk = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (!chunk) return std::make_unique<Chunk>();
  // Cleared here, on the reader's thread: the decoded events' memory is
  // freed off the replay's path.
  chunk->arena.clear();
  chunk->offsets.clear();
  chunk->items.clear();
  chunk->error = nullptr;
  chunk->last = false;
  return chunk;
}

void ReplayFeed::Read(MDB_env* env, MDB_dbi log, uint64_t from, uint64_t to, Hash prev,
                      bool decode) {
  std::unique_ptr<Chunk> chunk = FreeChunk();
  try {
    Txn txn(env, Txn::kReadOnly);
    LogReader reader(txn.handle(), log, from, to, ChainCheck::kVerify, prev);
    while (const LogRecord* r = reader.Next()) {
      Event event = decode ? DecodeChecked(*r).event : Event{};
      const size_t at = chunk->arena.size();
      chunk->arena.resize(at + (r->bytes.size() + 7) / 8);
      std::memcpy(chunk->arena.data() + at, r->bytes.data(), r->bytes.size());
      // The root table's place within the record's bytes, kept for Next().
      const size_t root = reinterpret_cast<const char*>(r->record) - r->bytes.data();
      chunk->offsets.push_back(at * 8 + root);
      chunk->items.push_back(Item{r->seq, nullptr, r->hash, std::move(event)});
      if (chunk->items.size() == kChunkRecords) {
        if (!full_.Put(std::move(chunk))) return;  // the feed is ending
        chunk = FreeChunk();
      }
    }
  } catch (...) {
    if (!chunk) chunk = std::make_unique<Chunk>();  // (FreeChunk itself threw)
    chunk->error = std::current_exception();
  }
  chunk->last = true;
  full_.Put(std::move(chunk));
}

ReplayFeed::Item* ReplayFeed::Next() {
  for (;;) {
    if (current_ && next_item_ < current_->items.size()) {
      Item& item = current_->items[next_item_];
      const auto* base = reinterpret_cast<const char*>(current_->arena.data());
      item.record =
          reinterpret_cast<const fbs::Record*>(base + current_->offsets[next_item_]);
      ++next_item_;
      return &item;
    }
    if (ended_) return nullptr;
    if (current_ && (current_->error || current_->last)) {
      ended_ = true;
      if (current_->error) std::rethrow_exception(current_->error);
      return nullptr;
    }
    if (current_) {
      MutexLock l(free_mu_);
      free_.push_back(std::move(current_));
    }
    auto chunk = full_.Take();  // the reader always ends with a `last` chunk
    if (!chunk) return nullptr;
    current_ = std::move(*chunk);
    next_item_ = 0;
  }
}

}  // namespace annal::internal
