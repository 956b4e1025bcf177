// Fuzz target: the log-record reader on untrusted bytes, as replay, export and
// the deferred projector meet them in a damaged or hostile log value.
// Properties, any break of which aborts: bytes that verify decode to an event
// whose record re-encodes, verifies and decodes to the same event; the
// export's JSON, the field rules and the projectors run on it without
// crashing (a projector may refuse a record the rules never admitted, by
// throwing, which aborts the engine's transaction).
#include <flatbuffers/flatbuffers.h>

#include "annal/jsonl.h"
#include "events/log_reader.h"
#include "events/record_codec.h"
#include "projectors/projector.h"
#include "store/errors.h"
#include "tests/fuzz/fail.h"
#include "tests/fuzz/memory_kv.h"
#include "validator/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace annal;
  static auto projectors = internal::MakeProjectors();
  static flatbuffers::FlatBufferBuilder builder(1024);

  // The bytes are a stored log value (record || chain hash), read by the one
  // log reader as replay, export and the projector meet it.
  std::string_view value(reinterpret_cast<const char*>(data), size);
  internal::AlignedBuf buf;
  const fbs::Record* rec = nullptr;
  try {
    rec = internal::DecodeLogValue(internal::kAnySeq, value, buf).record;
  } catch (const internal::CorruptionError&) {
    return 0;  // refused with a message naming the seq: what the reader must do
  }

  LoggedEvent logged = internal::DecodeRecord(*rec);
  std::string json = ToJson(logged);
  internal::CheckFields(logged.event);

  internal::EncodeRecord(builder, logged.seq, *logged.event.ts, logged.event);
  internal::AlignedBuf copy;
  copy.Assign(
      {reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize()});
  const fbs::Record* again = internal::VerifiedRecord(copy.view());
  if (!again) fuzz::Fail("a decoded record does not re-encode to a valid one:", json);
  if (!(internal::DecodeRecord(*again) == logged)) fuzz::Fail("record round trip:", json);

  fuzz::MemoryKv kv;
  for (const auto& p : projectors) {
    try {
      p->Apply(kv, *rec);
    } catch (const std::exception&) {
      // Refused: the engine would abort the transaction.
    }
  }
  return 0;
}
