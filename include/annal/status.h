// annal/status.h: the outcome of an engine call.
//
// Every public call that can fail returns a Status, or a Result<T> holding a
// value or a Status. "Not found" is never an error: lookups return
// std::optional. Status and Result are plain values: copy them, move them,
// read them from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "annal/export.h"

namespace annal {

class [[nodiscard]] ANNAL_EXPORT Status {
 public:
  enum class Code : uint8_t {
    kOk,
    kRejected,      // an event broke a rule; nothing of its batch was written
    kInvalidInput,  // malformed input (JSON, arguments) before any rule applies
    kNotAStore,     // the directory or file is not an annal store
    kIncompatible,  // a store of another format version
    kCorruption,    // a stored record failed its checks
    kIOError,       // the OS or LMDB failed (disk full, permissions, ...)
    kBusy,          // could not proceed now (growing the map, memory ran out)
    kInternal,      // a bug in annal: an invariant of its own code broke
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Rejected(std::string msg, std::optional<uint64_t> event_index = {}) {
    return Status(Code::kRejected, std::move(msg), event_index);
  }
  static Status InvalidInput(std::string msg, std::optional<uint64_t> event_index = {}) {
    return Status(Code::kInvalidInput, std::move(msg), event_index);
  }
  static Status NotAStore(std::string msg) {
    return Status(Code::kNotAStore, std::move(msg));
  }
  static Status Incompatible(std::string msg) {
    return Status(Code::kIncompatible, std::move(msg));
  }
  static Status Corruption(std::string msg) {
    return Status(Code::kCorruption, std::move(msg));
  }
  static Status IOError(std::string msg) {
    return Status(Code::kIOError, std::move(msg));
  }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Internal(std::string msg) {
    return Status(Code::kInternal, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Human-readable: what failed and why, naming the event and the rule where
  // an event was at fault.
  const std::string& message() const { return message_; }
  // For kRejected/kInvalidInput from Append or Decode: the 0-based index of the
  // offending event in its batch.
  std::optional<uint64_t> event_index() const { return event_index_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg, std::optional<uint64_t> index = {})
      : code_(code), message_(std::move(msg)), event_index_(index) {}

  Code code_ = Code::kOk;
  std::string message_;
  std::optional<uint64_t> event_index_;
};

// A value or the Status that explains its absence. Reading the value of a
// Result that holds none is a bug in the caller: it throws
// std::bad_optional_access instead of reading garbage; check ok() first.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // An OK status without a value is the caller's bug: kept as kInternal, so
  // that ok() and status().ok() never disagree.
  Result(Status status)  // NOLINT
      : status_(status.ok() ? Status::Internal("a Result made from an OK status, "
                                               "without a value")
                            : std::move(status)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return value_.value(); }
  const T& value() const& { return value_.value(); }
  // On a temporary Result these move the value out, so that
  // `for (auto& row : *snapshot.ActiveTasks())` owns what it iterates.
  T value() && { return std::move(value_.value()); }
  T value_or(T fallback) const& { return value_ ? *value_ : std::move(fallback); }
  T& operator*() & { return value_.value(); }
  const T& operator*() const& { return value_.value(); }
  T operator*() && { return std::move(value_.value()); }
  T* operator->() { return &value_.value(); }
  const T* operator->() const { return &value_.value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace annal
