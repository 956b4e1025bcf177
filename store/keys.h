// Key encoding for every sub-database: the only place keys are built or
// taken apart, one builder and one decoder per KeyShape of store/schema.h.
//
// Every key is a multiple of 8 bytes long and every value we store is too, so
// LMDB places values on 8-byte boundaries and FlatBuffers rows can be read in
// place (LMDB itself promises only 2-byte alignment). Ids are padded with NUL
// bytes; ids may not contain NUL, so padding keeps byte order: "a" < "ab".
// Integers are big-endian so that memcmp order is numeric order; signed times
// have their sign bit flipped so negative times sort first.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/errors.h"
#include "store/schema.h"

namespace annal::internal::keys {

inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxKeyBytes = 8 + kMaxIdBytes + 8;
// LMDB's limit (mdb_env_get_maxkeysize): the bound of a declared key.
inline constexpr size_t kMaxDeclaredKeyBytes = 511;

constexpr size_t Pad8(size_t n) { return (n + 7) & ~size_t{7}; }

// A key built on the stack: no allocation on the write path.
class Key {
 public:
  std::string_view view() const { return {buf_.data(), len_}; }
  operator std::string_view() const { return view(); }  // NOLINT

  Key& U64(uint64_t v) {
    for (int i = 7; i >= 0; --i) buf_[len_++] = static_cast<char>(v >> (8 * i));
    return *this;
  }
  Key& Time(int64_t t) { return U64(static_cast<uint64_t>(t) ^ (uint64_t{1} << 63)); }
  Key& Byte8(uint8_t b) { return U64(uint64_t{b} << 56); }
  // The id, NUL-padded to 8 bytes; `prefix` bytes before it share the padding.
  Key& PaddedId(std::string_view id, std::string_view prefix = {}) {
    size_t start = len_;
    // The validator admits no longer id, but a forged log record or stored
    // key never met it: refuse rather than write past the buffer.
    if (id.size() > kMaxIdBytes ||
        start + Pad8(prefix.size() + id.size()) > buf_.size()) {
      throw CorruptionError("an id of " + std::to_string(id.size()) +
                            " bytes, longer than the 256 any stored id can have");
    }
    // memcpy from an empty view's null data() is undefined: copy only bytes.
    if (!prefix.empty()) std::memcpy(&buf_[len_], prefix.data(), prefix.size());
    if (!id.empty()) std::memcpy(&buf_[len_ + prefix.size()], id.data(), id.size());
    len_ = start + Pad8(prefix.size() + id.size());
    std::memset(&buf_[start + prefix.size() + id.size()], 0,
                len_ - start - prefix.size() - id.size());
    return *this;
  }
  // kFields: an int key field sorts as a signed time does; a string field is
  // NUL-terminated, then NUL-padded to 8 bytes, so that a key of several
  // fields sorts field by field ("a" then 9 before "ab" then 1). Throws
  // std::invalid_argument for a NUL in the string or a key past 511 bytes.
  Key& Int(int64_t v) {
    Fits(8);
    return Time(v);
  }
  // Bytes that are already a key's fields (an index key's row key).
  Key& Raw(std::string_view bytes) {
    Fits(bytes.size());
    if (!bytes.empty()) std::memcpy(&buf_[len_], bytes.data(), bytes.size());
    len_ += bytes.size();
    return *this;
  }
  Key& Str(std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
      throw std::invalid_argument("a key string may not hold a NUL byte");
    const size_t n = Pad8(s.size() + 1);
    Fits(n);
    if (!s.empty()) std::memcpy(&buf_[len_], s.data(), s.size());
    std::memset(&buf_[len_ + s.size()], 0, n - s.size());
    len_ += n;
    return *this;
  }

 private:
  void Fits(size_t more) const {
    if (len_ + more > kMaxDeclaredKeyBytes) {
      throw std::invalid_argument("a key longer than LMDB's 511 bytes");
    }
  }
  // Not zeroed: only the first len_ bytes are ever read (a memset of the
  // whole buffer per key was measurable on the write path).
  std::array<char, kMaxDeclaredKeyBytes + 1> buf_;
  size_t len_ = 0;
};

inline Key Id(std::string_view id) { return Key().PaddedId(id); }
// Whether some stored entity could have this id (a lookup of any other id
// finds nothing): ids are at most 256 bytes and hold no NUL, which padding
// would make equal to a shorter id.
inline bool StorableId(std::string_view id) {
  return id.size() <= kMaxIdBytes && id.find('\0') == std::string_view::npos;
}
inline Key Seq(uint64_t seq) { return Key().U64(seq); }
inline Key TimeId(int64_t t, std::string_view id) { return Key().Time(t).PaddedId(id); }
inline Key SeqId(uint64_t seq, std::string_view id) {
  return Key().U64(seq).PaddedId(id);
}
inline Key StateId(uint8_t state, std::string_view id) {
  return Key().Byte8(state).PaddedId(id);
}
// Registry keys: one kind letter, then the id.
inline Key Registry(EntityKind kind, std::string_view id) {
  const char letter = static_cast<char>(kind);
  return Key().PaddedId(id, std::string_view(&letter, 1));
}
// meta keys are short ASCII names (meta_key in store/schema.h), with the
// slot after the per-slot ones.
inline Key Name(std::string_view name) { return Key().PaddedId(name); }
inline Key SlotName(std::string_view name, size_t slot) {
  return Name(std::string(name) + std::to_string(slot));
}

inline uint64_t DecodeU64(std::string_view k) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(k[i]);
  return v;
}
inline int64_t DecodeTime(std::string_view k) {
  return static_cast<int64_t>(DecodeU64(k) ^ (uint64_t{1} << 63));
}
// The id in a padded tail: everything up to the first NUL.
inline std::string_view DecodeId(std::string_view tail) {
  size_t n = tail.find('\0');
  return n == std::string_view::npos ? tail : tail.substr(0, n);
}

// A key taken apart by its shape (KeyShape in store/schema.h). Decode
// expects a key that Key's builders made, at least 8 bytes long (the caller
// checks a stored key's size: DescribeKey does).
struct Decoded {
  uint64_t number = 0;  // kSeq, kSeqId: the seq; kTimeId: the time's bits
  int64_t time = 0;     // kTimeId
  uint8_t state = 0;    // kStateId
  char kind = 0;        // kRegistry: the entity kind's letter
  std::string_view id;  // every shape with an id; kName: the name
};
inline Decoded Decode(KeyShape shape, std::string_view k) {
  Decoded d;
  switch (shape) {
    case KeyShape::kName:
    case KeyShape::kId:
      d.id = DecodeId(k);
      break;
    case KeyShape::kSeq:
      d.number = DecodeU64(k);
      break;
    case KeyShape::kRegistry:
      d.kind = k[0];
      d.id = DecodeId(k.substr(1));
      break;
    case KeyShape::kTimeId:
      d.time = DecodeTime(k);
      d.id = DecodeId(k.substr(8));
      break;
    case KeyShape::kStateId:
      d.state = static_cast<uint8_t>(k[0]);
      d.id = DecodeId(k.substr(8));
      break;
    case KeyShape::kSeqId:
      d.number = DecodeU64(k);
      d.id = DecodeId(k.substr(8));
      break;
    case KeyShape::kFields:  // FieldReader, with the declaration's types
      break;
  }
  return d;
}
// kFields taken apart field by field, in the order Int and Str built it;
// nullopt when the bytes left are not such a field (a damaged key).
class FieldReader {
 public:
  explicit FieldReader(std::string_view key) : rest_(key) {}
  std::optional<int64_t> Int() {
    if (rest_.size() < 8) return std::nullopt;
    const int64_t v = DecodeTime(rest_);
    rest_.remove_prefix(8);
    return v;
  }
  std::optional<std::string_view> Str() {
    const size_t end = rest_.find('\0');
    if (end == std::string_view::npos || Pad8(end + 1) > rest_.size())
      return std::nullopt;
    std::string_view s = rest_.substr(0, end);
    rest_.remove_prefix(Pad8(end + 1));
    return s;
  }
  bool done() const { return rest_.empty(); }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

inline uint64_t DecodeSeq(std::string_view k) { return Decode(KeyShape::kSeq, k).number; }
// The id of an index key (kTimeId, kStateId, kSeqId): the row it names.
inline std::string_view IndexedId(std::string_view k) { return DecodeId(k.substr(8)); }
// The 8-byte prefix of every kStateId key in `state`, and whether `k` has it.
inline Key StatePrefix(uint8_t state) { return Key().Byte8(state); }
inline bool InState(std::string_view k, const Key& prefix) {
  return k.substr(0, 8) == prefix.view();
}

}  // namespace annal::internal::keys
