// A bounded queue that hands work from one producing thread to one consuming
// thread: the two stages of a pipeline (import parses JSON while the
// previous batch commits). At most `capacity` items wait, so memory is
// bounded by what the producer may run ahead.
//
// Thread-safe between one producer (Put, Finish) and one consumer (Take,
// Close); items are moved through, never shared.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "common/mutex.h"

namespace annal::internal {

template <class T>
class Handoff {
 public:
  explicit Handoff(size_t capacity) : capacity_(capacity) {}
  Handoff(const Handoff&) = delete;
  Handoff& operator=(const Handoff&) = delete;

  // Waits for room. False once the consumer has closed: produce no more.
  bool Put(T item) {
    MutexLock l(mu_);
    while (!closed_ && items_.size() >= capacity_) room_.wait(mu_);
    if (closed_) return false;
    items_.push_back(std::move(item));
    ready_.notify_one();
    return true;
  }
  // The producer's last word: Take() returns nullopt once the rest is taken.
  void Finish() {
    MutexLock l(mu_);
    finished_ = true;
    ready_.notify_one();
  }
  // Waits for an item; nullopt when the producer finished and none is left.
  std::optional<T> Take() {
    MutexLock l(mu_);
    while (items_.empty() && !finished_) ready_.wait(mu_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    room_.notify_one();
    return item;
  }
  // The consumer stops early: a waiting or later Put returns false.
  void Close() {
    MutexLock l(mu_);
    closed_ = true;
    room_.notify_one();
  }

 private:
  const size_t capacity_;
  Mutex mu_;
  std::condition_variable_any ready_, room_;
  std::deque<T> items_ GUARDED_BY(mu_);
  bool finished_ GUARDED_BY(mu_) = false;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace annal::internal
