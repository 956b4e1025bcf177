// Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/):
// JSONL lines and log records of the deterministic workload, one record per
// event type, and short byte strings for the event-sequence target. Run it
// again only when the formats change: `build/tests/fuzz/make_seeds tests/fuzz/corpus`.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "annal/engine.h"
#include "annal/jsonl.h"
#include "annal/workload.h"
#include "events/record_codec.h"
#include "store/chain.h"

namespace {

void Write(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The data.mdb of a fresh store holding the workload's first `n` events.
std::string StoreFile(size_t n) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "annal-seed-store";
  fs::remove_all(dir);
  {
    annal::Workload w;
    auto engine = annal::Engine::Open(dir.string());
    if (!engine.ok() || !(*engine)->Append(w.Take(n)).ok()) std::abort();
  }
  std::ifstream in(dir / "data.mdb", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  return bytes;
}

// fuzz_store: small real stores, and the damage issue 20 found crashing
// every command (on these small files: a truncated file, a page's flags
// XOR 0x5a, 64 bytes flipped inside the trees, an empty file).
void WriteStoreSeeds(const std::filesystem::path& dir) {
  const std::string small = StoreFile(20), larger = StoreFile(60);
  Write(dir / "store_20", small);
  Write(dir / "store_60", larger);
  Write(dir / "truncated", std::string_view(larger).substr(0, larger.size() / 2));
  std::string flags = small;
  for (size_t page = 2; page * 4096 < flags.size(); page += 3)
    flags[page * 4096 + 10] ^= 0x5a;
  Write(dir / "flags_flipped", flags);
  std::string flipped = larger;
  for (size_t i = 0; i < 64; ++i) flipped[40000 + i] ^= 0xff;
  Write(dir / "64_bytes_flipped", flipped);
  Write(dir / "empty", "");
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace annal;
  if (argc != 2) return 2;
  const fs::path root = argv[1];
  for (const char* t : {"fuzz_jsonl", "fuzz_record", "fuzz_admit", "fuzz_store"})
    fs::create_directories(root / t);
  WriteStoreSeeds(root / "fuzz_store");

  Workload w;
  std::vector<Event> events = w.Take(4000);
  // Events of your own: a declaration and an event of it, every kind of value.
  Event declared =
      EventTypeDeclared{"deploy.done", 1, "ok:bool,region:str?,seconds:float,tries:int"};
  declared.ts = 1;
  Event deploy = DeclaredEvent{"deploy.done",
                               {{"ok", true},
                                {"region", std::string("eu")},
                                {"seconds", 12.25},
                                {"tries", int64_t{3}}},
                               1};
  deploy.ts = 2;
  events.insert(events.begin(), {declared, deploy});
  for (int f = 0; f < 8; ++f) {
    std::string lines;
    for (int i = 0; i < 6; ++i) {
      AppendJson(lines, events[f * 6 + i]);
      lines += '\n';
    }
    Write(root / "fuzz_jsonl" / ("workload_" + std::to_string(f) + ".jsonl"), lines);
  }

  // One log value (record || chain hash) per event type the workload makes.
  flatbuffers::FlatBufferBuilder b;
  std::set<size_t> seen;
  internal::Hash hash{};
  uint64_t seq = 0;
  for (const Event& ev : events) {
    ++seq;
    if (!seen.insert(ev.body.index()).second) continue;
    internal::EncodeRecord(b, seq, *ev.ts, ev);
    std::string value(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
    hash = internal::ChainHash(hash, seq, value);
    value.append(reinterpret_cast<const char*>(hash.data()), hash.size());
    Write(root / "fuzz_record" / (std::string(ev.type()) + ".bin"), value);
  }

  // Event sequences are read from raw bytes: a few fixed pseudo-random strings.
  uint64_t x = 0x9e3779b97f4a7c15;
  for (int f = 0; f < 16; ++f) {
    std::string bytes;
    for (int i = 0; i < 96; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      bytes.push_back(static_cast<char>(x));
    }
    Write(root / "fuzz_admit" / ("bytes_" + std::to_string(f) + ".bin"), bytes);
  }
  return 0;
}
