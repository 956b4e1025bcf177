// The crash simulator's checker (README.md): every crash state of a
// recording, written out as a store directory and checked as a user would
// find it after the power came back.
//
//   crash_check RECORDING annal|toy durable|writes-kept|consistent [--scenario NAME]
//               [--seed N] [--blocks N] [--acked N] [--batches-of N]
//               [--refusal-before-ack] [--expect-violations]
//
// annal: the state opens with Engine::Open (no repair step) with the
// options of crash_writer's SCENARIO (default appends); Verify passes; the
// projections claim no seq past the log's head; the log is a prefix of the
// run's final log (the chain hash at its head is the final run's at that
// seq, and the chain covers every record before); it ends at the end of a
// batch (batches whole or absent); and, with the durable contract, it holds
// every append acknowledged before the crash; under either contract, every
// seq published to a stream before the crash (`annal ship`, noted by
// recorder_nats.cc), and the shipped marker names no seq past the log's
// head. The `sync` off contract (docs/reliability.md) in two parts:
// writes-kept, the same, of the states where every write reached the disk
// (what a crash of the process leaves) only; consistent, every state, all
// but the acknowledged appends (a power loss may take the last). toy:
// every record of toy_writer acknowledged or published is in its file.
//
// --acked N: the program acknowledged seq N by exiting (`annal import`).
// --batches-of N: every multiple of N is the end of a batch too (a program
// that notes nothing on the way). --refusal-before-ack: before the first
// acknowledgement a state may be refused, with an error, rather than open
// (a backup's directory: nothing was promised of it yet). --seed picks the
// random states, --blocks how many of them per crash point
// (ExploreOptions::random_blocks). Prints the counts and the first
// violations; exits 1 on a violation, or, with --expect-violations, when
// there was none (the simulator's own test).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "annal/engine.h"
#include "annal/replication.h"
#include "tests/crashsim/crash_states.h"
#include "tests/crashsim/scenario_options.h"
#include "tests/crashsim/toy_log.h"

namespace fs = std::filesystem;
using namespace annal::crashsim;

namespace {

// What the run acknowledged: the seq (or toy record) of each "ack N" note,
// by the index of the operation it came after; and every batch's end
// (acknowledged, or "end N": committed, its caller told it failed).
using Promises = std::map<size_t, uint64_t>;  // op index -> the seq promised

uint64_t HighestBefore(const Promises& p, size_t point) {
  uint64_t most = 0;
  for (auto it = p.begin(); it != p.end() && it->first < point; ++it)
    most = std::max(most, it->second);
  return most;
}

struct Acks {
  Promises at;         // acknowledged to the caller
  Promises published;  // put on a stream ("published N", recorder_nats.cc)
  std::set<uint64_t> all;
  uint64_t MostBefore(size_t point) const { return HighestBefore(at, point); }
  std::vector<uint64_t> Before(size_t point) const {
    std::vector<uint64_t> v;
    for (const Promises* p : {&at, &published})
      for (auto it = p->begin(); it != p->end() && it->first < point; ++it)
        v.push_back(it->second);
    return v;
  }
};

Acks AcksOf(const Recording& r) {
  Acks acks;
  for (size_t i = 0; i < r.ops.size(); ++i) {
    const Op& op = r.ops[i];
    if (op.kind != OpKind::kNote) continue;
    if (op.data.rfind("ack ", 0) == 0) {
      const uint64_t n = std::strtoull(op.data.c_str() + 4, nullptr, 10);
      acks.at[i] = n;
      acks.all.insert(n);
    } else if (op.data.rfind("published ", 0) == 0) {
      acks.published[i] = std::strtoull(op.data.c_str() + 10, nullptr, 10);
    } else if (op.data.rfind("end ", 0) == 0) {  // a batch's end, not acknowledged
      acks.all.insert(std::strtoull(op.data.c_str() + 4, nullptr, 10));
    }
  }
  return acks;
}

void WriteOut(const CrashState& state, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : state.files) {
    if (!bytes) continue;
    fs::create_directories((dir / name).parent_path());
    std::ofstream(dir / name, std::ios::binary)
        .write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  }
}

// The final run's chain hash of each seq: the state with every write kept.
std::map<uint64_t, std::string> FinalHashes(const Recording& r, const fs::path& dir,
                                            const annal::Options& options) {
  const CrashState all = FinalState(r);
  WriteOut(all, dir);
  std::map<uint64_t, std::string> hashes;
  auto engine = annal::Engine::Open(dir.string(), options);
  if (!engine.ok())
    throw std::runtime_error("the final state does not open: " +
                             engine.status().ToString());
  auto snap = (*engine)->Read();
  const uint64_t last = *snap->LastSeq();
  for (uint64_t seq = 1; seq <= last; ++seq) hashes[seq] = **snap->StoredHash(seq);
  return hashes;
}

annal::Options OptionsOf(const std::string& scenario) {
  return OpenOptions(scenario, FinalToolStatsVersion(scenario));
}

struct Checker {
  const Acks& acks;
  bool durable;
  bool refusal_before_ack;
  std::string scenario;
  std::map<uint64_t, std::string> final_hashes;

  // The first thing wrong with the store in `dir`, or "" when nothing is.
  std::string Annal(const CrashState& s, const fs::path& dir) const {
    auto engine = annal::Engine::Open(dir.string(), OptionsOf(scenario));
    if (!engine.ok() && refusal_before_ack && acks.MostBefore(s.point) == 0) return "";
    if (!engine.ok()) return "does not open: " + engine.status().ToString();
    auto report = (*engine)->Verify();
    if (!report.ok()) return "verify failed: " + report.status().ToString();
    if (!report->identical()) return "verify: a projection differs from the log's replay";
    auto snap = (*engine)->Read();
    if (!snap.ok()) return "read failed: " + snap.status().ToString();
    auto last = snap->LastSeq();
    if (!last.ok()) return "LastSeq failed: " + last.status().ToString();
    auto projected = snap->ProjectedSeq();
    if (!projected.ok() || *projected > *last)
      return "the projections claim seq " +
             std::to_string(projected.ok() ? *projected : 0) + ", past the log's " +
             std::to_string(*last);
    const uint64_t acked = acks.MostBefore(s.point);
    if (durable && *last < acked)
      return "lost acknowledged appends: holds seq " + std::to_string(*last) + ", seq " +
             std::to_string(acked) + " was acknowledged";
    // Whatever the sync contract: a stream never runs ahead of the log.
    const uint64_t published = HighestBefore(acks.published, s.point);
    if (*last < published)
      return "a record on the stream is not in the log: holds seq " +
             std::to_string(*last) + ", seq " + std::to_string(published) +
             " was published";
    auto standing = annal::StoreReplication(**engine).StandingAt(*snap);
    if (!standing.ok()) return "StandingAt failed: " + standing.status().ToString();
    if (standing->shipped_seq.value_or(0) > *last)
      return "the shipped marker names seq " + std::to_string(*standing->shipped_seq) +
             ", past the log's " + std::to_string(*last);
    if (scenario == "erasure") {
      if (std::string why = Erasure(*snap); !why.empty()) return why;
    }
    if (*last == 0) return "";
    if (!acks.all.count(*last))
      return "ends inside a batch: at seq " + std::to_string(*last);
    auto hash = snap->StoredHash(*last);
    auto it = final_hashes.find(*last);
    if (!hash.ok() || !*hash || it == final_hashes.end() || **hash != it->second)
      return "its log is not a prefix of the run's: the chain differs at seq " +
             std::to_string(*last);
    return "";
  }

  // Every personal value readable unless its subject's forget is in the
  // log, and erased if it is (crash_writer's "erasure" scenario).
  static std::string Erasure(const annal::Snapshot& snap) {
    std::set<std::string> forgotten;
    std::vector<annal::LoggedEvent> personal;
    annal::Status st = snap.ScanLog(1, [&](const annal::LoggedEvent& ev) {
      if (auto* f = std::get_if<annal::SubjectForgotten>(&ev.event.body))
        forgotten.insert(f->subject);
      if (ev.event.subject) personal.push_back(ev);
      return true;
    });
    if (!st.ok()) return "ScanLog failed: " + st.ToString();
    for (const annal::LoggedEvent& ev : personal) {
      const bool erased = !ev.event.erased.empty();
      if (erased != forgotten.count(*ev.event.subject) > 0)
        return "seq " + std::to_string(ev.seq) + " of " + *ev.event.subject + " reads " +
               (erased ? "erased, its subject not forgotten: its key was lost"
                       : "in clear, its subject forgotten: its key outlived the forget");
    }
    return "";
  }

  std::string Toy(const CrashState& s) const {
    auto it = s.files.find("toy.log");
    for (uint64_t n : acks.Before(s.point)) {
      const std::string want = ToyRecord(n);
      const size_t at = n * kToyRecordBytes;
      if (it == s.files.end() || !it->second || it->second->size() < at + want.size() ||
          it->second->compare(at, want.size(), want) != 0)
        return "record " + std::to_string(n) +
               " (acknowledged or published) is missing or damaged";
    }
    return "";
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: crash_check RECORDING annal|toy durable|writes-kept|consistent "
            "[--seed N] "
            "[--blocks N] [--expect-violations]\n");
    return 2;
  }
  try {
    const Recording r = ReadRecording(argv[1]);
    const bool annal_subject = strcmp(argv[2], "annal") == 0;
    const bool writes_kept = strcmp(argv[3], "writes-kept") == 0;
    const bool consistent = strcmp(argv[3], "consistent") == 0;
    ExploreOptions options;
    // No syncs to crash at: crash after each append too.
    options.at_notes = writes_kept || consistent;
    bool expect_violations = false;
    std::string scenario = "appends";
    uint64_t acked_at_end = 0, batches_of = 0;
    bool refusal_before_ack = false;
    for (int i = 4; i < argc; ++i) {
      const bool has_value = i + 1 < argc;
      if (strcmp(argv[i], "--seed") == 0 && has_value) {
        options.seed = std::strtoull(argv[++i], nullptr, 10);
      } else if (strcmp(argv[i], "--blocks") == 0 && has_value) {
        options.random_blocks = std::strtoull(argv[++i], nullptr, 10);
      } else if (strcmp(argv[i], "--acked") == 0 && has_value) {
        acked_at_end = std::strtoull(argv[++i], nullptr, 10);
      } else if (strcmp(argv[i], "--batches-of") == 0 && has_value) {
        batches_of = std::strtoull(argv[++i], nullptr, 10);
      } else if (strcmp(argv[i], "--scenario") == 0 && has_value) {
        scenario = argv[++i];
      } else if (strcmp(argv[i], "--refusal-before-ack") == 0) {
        refusal_before_ack = true;
      } else if (strcmp(argv[i], "--expect-violations") == 0) {
        expect_violations = true;
      } else {
        fprintf(stderr, "crash_check: unknown argument %s\n", argv[i]);
        return 2;
      }
    }
    Acks acks = AcksOf(r);
    if (acked_at_end && !r.ops.empty()) {  // after the last operation: the end only
      acks.at[r.ops.size() - 1] = std::max(acks.at[r.ops.size() - 1], acked_at_end);
      acks.all.insert(acked_at_end);
    }
    for (uint64_t end = batches_of; batches_of && end < acked_at_end; end += batches_of)
      acks.all.insert(end);
    const fs::path dir =
        fs::temp_directory_path() / ("annal-crash-" + std::to_string(getpid()));
    Checker checker{
        acks, strcmp(argv[3], "durable") == 0, refusal_before_ack, scenario, {}};
    if (annal_subject) checker.final_hashes = FinalHashes(r, dir, OptionsOf(scenario));

    size_t violations = 0;
    size_t checked = 0;
    ExploreCrashStates(r, options, [&](const CrashState& s) {
      if (writes_kept && s.how != "all") return;
      ++checked;
      std::string wrong;
      if (annal_subject) {
        WriteOut(s, dir);
        wrong = checker.Annal(s, dir);
      } else {
        wrong = checker.Toy(s);
      }
      if (wrong.empty()) return;
      if (++violations <= 10)
        printf("violation at operation %zu of %zu (%s): %s\n", s.point, r.ops.size(),
               s.how.c_str(), wrong.c_str());
    });
    fs::remove_all(dir);
    printf("%zu crash states of %zu operations (%zu acknowledged), %zu violations\n",
           checked, r.ops.size(), acks.all.size(), violations);
    if (expect_violations) return violations > 0 ? 0 : 1;
    return violations > 0 ? 1 : 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "crash_check: %s\n", e.what());
    return 2;
  }
}
