// Fuzz target: the JSONL decoder on untrusted bytes, one event per line.
// Properties, any break of which aborts: a refusal says why; an accepted line
// gives an event whose JSON form decodes back to the same event; the field
// rules run on it without crashing.
#include "annal/jsonl.h"
#include "tests/fuzz/fail.h"
#include "validator/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace annal;
  static JsonDecoder decoder;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int lines = 0; lines < 64 && !rest.empty(); ++lines) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);

    auto ev = decoder.Decode(line);
    if (!ev.ok()) {
      if (ev.status().message().empty()) fuzz::Fail("a refused line without a reason");
      continue;
    }
    internal::CheckFields(*ev);
    std::string again;
    AppendJson(again, *ev);
    auto back = decoder.Decode(again);
    if (!back.ok())
      fuzz::Fail("re-encoded event does not decode:", back.status().message());
    if (!(*back == *ev)) fuzz::Fail("JSON round trip changed the event:", again);
  }
  return 0;
}
