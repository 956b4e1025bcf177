// Shared by the benchmarks: scratch stores under /tmp, prefilled stores built
// once and copied per measurement, and what the OS says we wrote.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "annal/engine.h"
#include "annal/replication.h"
#include "annal/workload.h"

namespace annal::bench {

inline std::string ScratchDir(const std::string& what) {
  static int n = 0;
  std::string dir = "/tmp/annal-bench-" + std::to_string(::getpid()) + "-" + what + "-" +
                    std::to_string(n++);
  std::filesystem::remove_all(dir);
  return dir;
}

// Bytes this process has passed to write()/pwrite() so far (/proc/self/io
// "wchar"): LMDB writes every dirty page of a commit that way.
inline uint64_t BytesWritten() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "wchar:") return value;
  }
  return 0;
}

// The stream every benchmark shares: `prefix` events to fill a store, then
// the ones measured. Same options, same events.
inline std::vector<Event> Stream(bool random_ids, size_t n) {
  Workload w({.seed = 1, .random_ids = random_ids});
  return w.Take(n);
}

// A store holding the first `events` of the stream (inline, no-sync, batches
// of 1000, flushed at the end), built once per process. Copy it before writing to it.
inline const std::string& Prefilled(size_t events, bool random_ids) {
  static std::map<std::pair<size_t, bool>, std::string> templates;
  std::string& tmpl = templates[{events, random_ids}];
  if (tmpl.empty()) {
    const std::vector<Event> stream = Stream(random_ids, events);
    tmpl = ScratchDir("template");
    Options o;
    o.sync = false;
    o.initial_map_size = size_t{4} << 30;
    auto e = std::move(Engine::Open(tmpl, o).value());
    for (size_t i = 0; i < events; i += 1000) {
      if (!e->Append(std::span(stream).subspan(i, std::min<size_t>(1000, events - i)))
               .ok()) {
        std::abort();
      }
    }
    // Flushed once built: no benchmark should time the write-back of its
    // setup (the shipper, for one, syncs before it publishes).
    if (!StoreReplication(*e).SyncVisible().ok()) std::abort();
  }
  return tmpl;
}

inline std::string PrefilledCopy(size_t events, bool random_ids) {
  std::string copy = ScratchDir("run");
  std::filesystem::copy(Prefilled(events, random_ids), copy);
  return copy;
}

void RemoveAllScratch();

// main() of the benchmarks that register their cases at run time.
inline int RunRegistered(int argc, char** argv, void (*register_all)()) {
  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  RemoveAllScratch();
  return 0;
}

inline void RemoveAllScratch() {
  std::vector<std::filesystem::path> mine;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp")) {
    if (entry.path().filename().string().rfind(
            "annal-bench-" + std::to_string(::getpid()), 0) == 0) {
      mine.push_back(entry.path());
    }
  }
  for (const auto& p : mine) std::filesystem::remove_all(p);
}

}  // namespace annal::bench
