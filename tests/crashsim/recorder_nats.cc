// The recorder's note of a JetStream publish (recorder.cc): `annal ship`
// publishes each record with js_PublishMsgAsync, which this library, loaded
// first, stands in for. It notes "published SEQ" (SEQ: the expected last
// sequence + 1, how the shipper numbers a record: docs/replication.md)
// before nats.c sends it, so every crash state after the note must hold SEQ
// (crash_check). In a program without nats.c nothing calls it.
#include <dlfcn.h>
#include <nats/nats.h>

#include <cstdlib>
#include <string>

extern "C" void annal_crashrec_note(const char* text);

extern "C" natsStatus js_PublishMsgAsync(jsCtx* js, natsMsg** msg, jsPubOptions* opts) {
  using PublishFn = natsStatus (*)(jsCtx*, natsMsg**, jsPubOptions*);
  using HeaderGetFn = natsStatus (*)(natsMsg*, const char*, const char**);
  static const auto real =
      reinterpret_cast<PublishFn>(dlsym(RTLD_NEXT, "js_PublishMsgAsync"));
  static const auto header_get =
      reinterpret_cast<HeaderGetFn>(dlsym(RTLD_DEFAULT, "natsMsgHeader_Get"));
  if (!real || !header_get) abort();  // called, so nats.c is loaded: cannot be
  // nats.c sends the option as the header, but only above 0: seq 1 sets it
  // in the header itself.
  const char* header = nullptr;
  uint64_t expected = opts ? opts->ExpectLastSeq : 0;
  if (expected == 0 && msg && *msg &&
      header_get(*msg, "Nats-Expected-Last-Sequence", &header) == NATS_OK && header)
    expected = std::strtoull(header, nullptr, 10);
  const std::string note = "published " + std::to_string(expected + 1);
  annal_crashrec_note(note.c_str());
  return real(js, msg, opts);
}
