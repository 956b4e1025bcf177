// The one reader of the log. Every record read back from the log goes
// through LogReader or DecodeLogValue: replay (verify, rebuild), the inline
// and deferred projectors' catch-up, Snapshot::ScanLog (and so export), the
// projection lag's timestamps, and the fuzzer of damaged values. Each read
// splits the stored value into record bytes and chain hash, copies the record
// to an 8-aligned buffer, verifies its FlatBuffers structure and enum ranges,
// checks that it holds the seq it is stored under and that seqs have no gap,
// and, when asked, checks the SHA-256 chain. A failure throws CorruptionError
// naming the seq ("log record at seq N ...").
//
// A LogReader belongs to one thread and one transaction. The LogRecord it
// returns points into the reader's buffer: valid until its next Next() call.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "log_generated.h"
#include "store/chain.h"
#include "store/kv.h"
#include "store/lmdb.h"

namespace annal::internal {

// One record as the log holds it.
struct LogRecord {
  uint64_t seq = 0;
  const fbs::Record* record = nullptr;  // verified
  std::string_view bytes;               // the record's FlatBuffers bytes
  Hash hash{};                          // the chain hash stored after them
  std::string_view value;               // the value as stored (bytes + hash)
};

// The stored form of a log value: the record's bytes, then its chain hash.
void EncodeLogValue(std::string_view record, const Hash& hash, std::string& out);

// Decodes the value stored under `seq`, copying the record into `buf`; with
// seq kAnySeq (a value read without its key: the fuzzer), any seq goes. With
// `chain` (the previous record's chain hash), checks the record's hash
// against it and moves it on to this record's.
inline constexpr uint64_t kAnySeq = 0;
LogRecord DecodeLogValue(uint64_t seq, std::string_view value, AlignedBuf& buf,
                         Hash* chain = nullptr);

// The seq of the log's newest record; 0 for an empty log.
uint64_t LogHead(MDB_txn* txn, MDB_dbi log);

enum class ChainCheck : uint8_t { kSkip, kVerify };

class LogReader {
 public:
  // Reads the records from seq `from` (at least 1) to `to` (inclusive) in order. With
  // ChainCheck::kVerify, `prev` is the chain hash of the record before `from`
  // (zero when `from` is 1) and every record's hash is recomputed.
  LogReader(MDB_txn* txn, MDB_dbi log, uint64_t from, uint64_t to = UINT64_MAX,
            ChainCheck chain = ChainCheck::kSkip, const Hash& prev = {});
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // The next record; nullptr past `to` or at the log's end.
  const LogRecord* Next();
  // The chain hash of the last record read (with ChainCheck::kVerify).
  const Hash& chain() const { return prev_; }

 private:
  Cursor cursor_;
  uint64_t next_, to_;
  ChainCheck chain_;
  Hash prev_;
  bool started_ = false, ended_ = false;
  AlignedBuf buf_;
  LogRecord current_;
};

}  // namespace annal::internal
