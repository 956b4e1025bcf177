// annal/stats.h: what an Engine counts about itself (Engine::Stats): the
// map, appends, and the commit-latency histogram that `/metrics` exports
// (docs/http.md), with the histogram's bucket bounds.
//
// Thread-safety: plain values, copied out of the engine.
#pragma once

#include <array>
#include <cstdint>

namespace annal {

// Upper bounds, in seconds, of the commit-latency histogram's buckets.
inline constexpr std::array<double, 14> kCommitSecondsBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};

// Upper bounds of the group-size histogram: batches per commit group.
inline constexpr std::array<uint64_t, 8> kGroupBatchesBounds = {1,  2,  4,  8,
                                                                16, 32, 64, 128};

struct EngineStats {
  uint64_t map_size = 0;     // bytes of address space mapped now
  uint32_t map_growths = 0;  // times this Engine grew the map
  uint64_t used_bytes = 0;   // pages in use times page size
  // Since this Engine opened: the batches (and their events) Append
  // committed, and the batches it refused (a rule, a malformed field).
  uint64_t append_batches = 0, append_events = 0, rejected_batches = 0;
  // Append's write transactions, each timed from its commit until it is
  // durable: how many, their total seconds, and how many took at most each
  // bound of kCommitSecondsBounds (cumulative, as Prometheus histograms are).
  uint64_t commits = 0;
  double commit_seconds_sum = 0;
  std::array<uint64_t, kCommitSecondsBounds.size()> commits_within{};
  // The same commits by how many callers' batches each took (group commit),
  // cumulative: groups_within[i] took at most kGroupBatchesBounds[i].
  std::array<uint64_t, kGroupBatchesBounds.size()> groups_within{};
  // Checkpoints this Engine took (docs/format.md, "The journal").
  uint64_t checkpoints = 0;
};

}  // namespace annal
