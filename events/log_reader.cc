#include "events/log_reader.h"

#include <algorithm>
#include <cstring>

#include "events/record_codec.h"
#include "store/errors.h"
#include "store/keys.h"

namespace annal::internal {
namespace {

[[noreturn]] void Corrupt(uint64_t seq, const std::string& what) {
  throw CorruptionError("log record at seq " + std::to_string(seq) + " " + what);
}

}  // namespace

void EncodeLogValue(std::string_view record, const Hash& hash, std::string& out) {
  out.assign(record);
  out.append(reinterpret_cast<const char*>(hash.data()), kHashBytes);
}

LogRecord DecodeLogValue(uint64_t seq, std::string_view value, AlignedBuf& buf,
                         Hash* chain) {
  // A record is at least a FlatBuffers root offset and identifier (8 bytes).
  if (value.size() < kHashBytes + 8) Corrupt(seq, "is too short to be a record");
  LogRecord r;
  r.seq = seq;
  r.value = value;
  const std::string_view bytes = value.substr(0, value.size() - kHashBytes);
  std::memcpy(r.hash.data(), value.data() + bytes.size(), kHashBytes);
  // The chain first: a flipped byte is reported as an altered record even
  // where it also breaks the structure.
  if (chain) {
    Hash expected = ChainHash(*chain, seq, bytes);
    if (expected != r.hash) {
      Corrupt(
          seq,
          "breaks the hash chain: it was altered, or records were removed or reordered");
    }
    *chain = expected;
  }
  buf.Assign(bytes);
  r.bytes = buf.view();
  r.record = VerifiedRecord(r.bytes);
  if (!r.record) Corrupt(seq, "fails its structural checks");
  if (seq != kAnySeq && r.record->seq() != seq) {
    Corrupt(seq, "holds the record of seq " + std::to_string(r.record->seq()));
  }
  return r;
}

uint64_t LogHead(MDB_txn* txn, MDB_dbi log) {
  auto k = LastKey(txn, log);
  return k ? keys::DecodeSeq(*k) : 0;
}

LogReader::LogReader(MDB_txn* txn, MDB_dbi log, uint64_t from, uint64_t to,
                     ChainCheck chain, const Hash& prev)
    : cursor_(txn, log),
      next_(std::max<uint64_t>(from, 1)),
      to_(to),
      chain_(chain),
      prev_(prev) {}

const LogRecord* LogReader::Next() {
  if (ended_ || next_ > to_) return nullptr;
  std::string_view k, v;
  bool found =
      started_ ? cursor_.Get(MDB_NEXT, &k, &v) : cursor_.Seek(keys::Seq(next_), &k, &v);
  started_ = true;
  if (!found) {
    ended_ = true;
    return nullptr;
  }
  const uint64_t seq = k.size() == 8 ? keys::DecodeSeq(k) : 0;
  if (seq != next_) {
    Corrupt(next_, "is missing (the next record is seq " + std::to_string(seq) + ")");
  }
  current_ =
      DecodeLogValue(seq, v, buf_, chain_ == ChainCheck::kVerify ? &prev_ : nullptr);
  ++next_;
  return &current_;
}

}  // namespace annal::internal
