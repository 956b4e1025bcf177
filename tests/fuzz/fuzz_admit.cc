// Fuzz target: the stateful rules (Validator::Admit) and the nine projectors,
// on sequences of batches built from untrusted bytes, from an empty store.
// Properties, any break of which aborts:
//  - every rejection names its rule;
//  - an admitted event encodes to a record that verifies and decodes back to
//    the same event, and its JSON form decodes back to the same event;
//  - no projector throws on an admitted event, nor touches a sub-database it
//    does not own (the validator and the projectors agree on every rule);
//  - a rejected batch is rolled back whole, as the engine's transaction is.
#include <flatbuffers/flatbuffers.h>

#include "annal/jsonl.h"
#include "engine/engine_impl.h"
#include "events/record_codec.h"
#include "projectors/projector_set.h"
#include "store/buffered_kv.h"
#include "tests/fuzz/event_from_bytes.h"
#include "tests/fuzz/fail.h"
#include "tests/fuzz/memory_kv.h"
#include "validator/validate.h"

namespace annal::fuzz {
namespace {

using internal::Db;

struct Harness {
  internal::ProjectorSet projectors;
  internal::Validator validator;
  flatbuffers::FlatBufferBuilder builder{1024};
  JsonDecoder json;

  void CheckCodecs(const Event& ev, uint64_t seq) {
    internal::EncodeRecord(builder, seq, ev.ts.value_or(0), ev);
    std::string_view bytes(reinterpret_cast<const char*>(builder.GetBufferPointer()),
                           builder.GetSize());
    internal::AlignedBuf copy;
    copy.Assign(bytes);
    const fbs::Record* rec = internal::VerifiedRecord(copy.view());
    if (!rec) Fail("an admitted event's record does not verify", ev.type());
    LoggedEvent back = internal::DecodeRecord(*rec);
    Event expected = ev;
    expected.ts = ev.ts.value_or(0);
    if (back.seq != seq || !(back.event == expected))
      Fail("record round trip", ev.type());

    std::string line;
    AppendJson(line, ev);
    auto decoded = json.Decode(line);
    if (!decoded.ok())
      Fail("JSON of an admitted event does not decode:", decoded.status().message());
    if (!(*decoded == ev)) Fail("JSON round trip changed the event:", line);
  }

  // Admits and projects one event into `kv`; false when it is rejected.
  bool AdmitAndProject(internal::Kv& kv, const Event& ev, uint64_t seq) {
    std::optional<std::string> broken = internal::CheckFields(ev);
    if (!broken) {
      kv.Restrict(internal::kRegistryMask);
      broken = validator.Admit(kv, ev);
    }
    if (broken) {
      if (broken->empty()) Fail("a rejection without a reason", ev.type());
      return false;
    }
    CheckCodecs(ev, seq);
    const fbs::Record* rec = fbs::GetRecord(builder.GetBufferPointer());
    try {
      if (Status st = projectors.Apply(kv, *rec); !st.ok()) {
        Fail("a projector failed on an admitted event:", st.message());
      }
    } catch (const std::exception& e) {
      Fail("a projector threw on an admitted event:", e.what());
    }
    return true;
  }
};

}  // namespace
}  // namespace annal::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace annal::fuzz;
  static Harness h;
  FuzzInput in(data, size);
  // The same batches go into a plain Kv and through a write-back buffer over
  // another (with a tiny budget now and then, so it flushes mid-batch): both
  // must admit the same batches and end with the same bytes.
  MemoryKv committed, buffered_committed;
  uint64_t seq = 0;
  for (int batches = 0; batches < 64 && !in.empty(); ++batches) {
    const size_t batch_size = 1 + in.Below(4);
    const size_t budget =
        in.Below(4) == 0 ? 256 : annal::internal::BufferedKv::kDefaultBudget;
    std::vector<annal::Event> batch;
    for (size_t i = 0; i < batch_size; ++i) batch.push_back(EventFromBytes(in));

    MemoryKv working = committed;
    bool admitted = true;
    for (size_t i = 0; i < batch_size && admitted; ++i) {
      admitted = h.AdmitAndProject(working, batch[i], seq + i + 1);
    }
    MemoryKv below = buffered_committed;
    annal::internal::BufferedKv buffered(below, budget);
    bool buffered_admitted = true;
    for (size_t i = 0; i < batch_size && buffered_admitted; ++i) {
      buffered_admitted = h.AdmitAndProject(buffered, batch[i], seq + i + 1);
    }
    if (admitted != buffered_admitted)
      Fail("the write-back buffer changed a verdict", "");
    if (admitted) {
      buffered.Flush();
      committed = std::move(working);
      buffered_committed = std::move(below);
      seq += batch_size;
      if (!committed.SameContents(buffered_committed)) {
        Fail("the write-back buffer left other bytes than a plain Kv", "");
      }
    }
  }
  return 0;
}
