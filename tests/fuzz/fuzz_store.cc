// Fuzz target: a whole store file (data.mdb) from a damaged or forged disk.
// Opens it read-only, then verifies it, exports its log as JSONL and queries
// every projection, as `annal verify`, `export` and `query` would. Each may
// refuse the file with an error; none may crash, trip an LMDB assertion or
// read outside the file (docs/reliability.md). The seeds are small real
// stores (make_seeds.cc) and the damage of issue 20: a truncated file, a
// page's flags flipped, 64 bytes flipped, an empty file.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "annal/engine.h"
#include "annal/jsonl.h"
#include "tests/fuzz/fail.h"

namespace {

// Never destroyed: the exit handler that removes it runs after statics die.
const std::string& Dir() {
  static const std::string* dir = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* d = new std::string(base + "/annal-fuzz-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Dir(), ec);
    });
    return d;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace annal;
  const std::string& dir = Dir();
  std::filesystem::remove(dir + "/lock.mdb");
  std::ofstream(dir + "/data.mdb", std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  Options options;
  options.read_only = true;
  auto engine = Engine::Open(dir, options);
  if (!engine.ok()) {
    if (engine.status().message().empty()) fuzz::Fail("a refusal says nothing");
    return 0;
  }
  (void)(*engine)->Verify();
  auto snap = (*engine)->Read();
  if (!snap.ok()) return 0;
  std::string out;
  (void)snap->ScanLog(1, [&](const LoggedEvent& ev) {
    out.clear();
    AppendJson(out, ev.event, ev.seq);
    return true;
  });
  for (std::string_view name : kProjections) {
    QueryOptions q;
    q.limit = 50;
    (void)snap->Query(name, q);
  }
  return 0;
}
