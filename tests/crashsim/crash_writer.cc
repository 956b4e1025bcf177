// The program the crash simulator records (README.md): one write path of
// annal's, on a new store, noting each acknowledged append.
//
//   crash_writer DIR SCENARIO BATCH BATCHES [THREADS]
//
// Each scenario appends BATCHES batches of BATCH generated events and, after
// each append that returned success, notes "ack LAST" (the receipt's last
// seq) through the recorder, if one is loaded:
//   appends     durable appends from THREADS threads (default 1; several
//               share commits: group commit)
//   nosync      the same with Options::sync off
//   declared    appends whose first batch declares an event type of your
//               own, each batch one event of it, and halfway the type's
//               version 2 (docs/events.md, "Events of your own")
//   erasure     each batch's first event given an actor and a subject
//               (user:0 to user:3), its first batch a new subject's key;
//               halfway, user:1 forgotten (docs/security.md, "Erasure")
//   deferred    deferred mode, the projector run after every third batch
//   growth      a 64 KiB map at open: it grows in the middle of batches
//   rebuild     Rebuild (the blue/green swap) halfway
//   projection  tool_stats (tests/tool_stats.h) is added a third of the way
//               (its first build, at open) and moved to version 2 two thirds
//               of the way (a rebuild at open)
//   backup      appends to DIR.src (not recorded), then Backup(DIR), noting
//               "ack LAST" once it returned
//   promote     a replica at DIR takes DIR.src's log (half the batches) a
//               batch at a time (AppendStored), is promoted, and appends the
//               other half
//   ship        durable appends while `annal ship` (started by run.sh on
//               the store once it exists) publishes them: the first batch,
//               then a wait until the stream has it (the shipped marker),
//               then the rest 5 ms apart, then a wait until the stream has
//               them all (30 s at most, else exit 1)
//   faults      durable appends under an injected fault (the recorder's
//               ANNAL_CRASHREC_FAIL): the append that meets it must fail
//               with kIOError naming the error and leave nothing visible;
//               the batch is then appended again (the store stays usable,
//               reopened if need be), and the store verifies at the end.
//               Exits 1 naming what broke.
//   faults-deferred, faults-rebuild
//               the same in deferred mode with the projector after each
//               batch, or with Rebuild halfway; a projector run, rebuild or
//               verify that meets the fault fails with kIOError and
//               succeeds once the store is reopened
// crash_check opens each crash state as the scenario's last open did
// (OpenOptions below).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "annal/engine.h"
#include "annal/replication.h"
#include "annal/workload.h"
#include "tests/crashsim/scenario_options.h"

namespace {

using annal::crashsim::OpenOptions;

void Note(const std::string& text) {
  static auto note =
      reinterpret_cast<void (*)(const char*)>(dlsym(RTLD_DEFAULT, "annal_crashrec_note"));
  if (note) note(text.c_str());
}

int Fail(const annal::Status& st) {
  fprintf(stderr, "crash_writer: %s\n", st.ToString().c_str());
  return 1;
}

// The "declared" scenario's additions to batch `b` of `batches`.
void WithDeclaredEvents(std::vector<annal::Event>& events, size_t b, size_t batches) {
  const std::string v1 = "service:str,seconds:float,ok:bool?";
  if (b == 0)
    events.insert(events.begin(), annal::EventTypeDeclared{"deploy.done", 1, v1});
  if (b == batches / 2) {
    events.insert(events.begin(),
                  annal::EventTypeDeclared{"deploy.done", 2, v1 + ",region:str?"});
  }
  annal::DeclaredEvent deploy{"deploy.done",
                              {{"seconds", static_cast<double>(b) / 4},
                               {"service", "svc-" + std::to_string(b % 7)}}};
  if (b >= batches / 2) deploy.fields.insert(deploy.fields.begin(), {"region", "eu"});
  events.push_back(deploy);
}

// The "erasure" scenario's additions to batch `b` of `batches`: crash_check
// finds every value of a subject not forgotten readable (its key durable
// before its records) and every value of user:1 erased once its forget is in.
void WithPersonalData(std::vector<annal::Event>& events, size_t b, size_t batches) {
  if (events.empty()) return;
  std::string subject = "user:" + std::to_string(b % 4);
  if (b >= batches / 2 && subject == "user:1") subject = "user:2";
  events.front().actor = "person " + std::to_string(b);
  events.front().subject = subject;
  if (b == batches / 2) events.push_back(annal::SubjectForgotten{"user:1"});
}

// Appends `batches` batches from `workload`; false on an error other than a
// rule (several threads' generated streams may break one together).
bool AppendSome(annal::Engine& engine, annal::Workload& workload, size_t batch,
                size_t batches, const std::string& scenario, bool unrecorded = false) {
  for (size_t b = 0; b < batches; ++b) {
    std::vector<annal::Event> events = workload.Take(batch);
    if (scenario == "declared") WithDeclaredEvents(events, b, batches);
    if (scenario == "erasure") WithPersonalData(events, b, batches);
    auto receipt = engine.Append(events);
    if (!receipt.ok()) {
      if (receipt.status().code() == annal::Status::Code::kRejected) continue;
      Fail(receipt.status());
      return false;
    }
    // backup and promote append to a source store first: not the recorded one.
    if (!unrecorded) Note("ack " + std::to_string(receipt->last_seq));
    if (scenario == "deferred" && b % 3 == 2) {
      if (auto projected = engine.ProjectPending(); !projected.ok()) {
        Fail(projected.status());
        return false;
      }
    }
  }
  return true;
}

// nullopt when the engine cannot be read (LMDB refuses an environment
// after some failed writes until it is opened again).
std::optional<uint64_t> LastSeq(annal::Engine& engine) {
  auto snap = engine.Read();
  if (!snap.ok() || !snap->LastSeq().ok()) return std::nullopt;
  return *snap->LastSeq();
}

// Waits until the stream has acknowledged `seq` to `annal ship`.
bool WaitUntilShipped(annal::Engine& engine, uint64_t seq) {
  for (int waited_ms = 0; waited_ms < 30000; waited_ms += 5) {
    auto shipped = annal::StoreReplication(engine).ReadMarker(
        annal::StoreReplication::Marker::kShipped);
    if (shipped.ok() && *shipped >= seq) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  fprintf(stderr, "crash_writer: seq %llu was not shipped within 30 s\n",
          static_cast<unsigned long long>(seq));
  return false;
}

int Ship(annal::Engine& engine, annal::Workload& workload, size_t batch, size_t batches) {
  if (!AppendSome(engine, workload, batch, 1, "ship") || !WaitUntilShipped(engine, batch))
    return 1;
  for (size_t b = 1; b < batches; ++b) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!AppendSome(engine, workload, batch, 1, "ship")) return 1;
  }
  auto last = LastSeq(engine);
  return last && WaitUntilShipped(engine, *last) ? 0 : 1;
}

// The "faults" scenarios (above).
class FaultRun {
 public:
  FaultRun(std::string dir, std::string scenario)
      : dir_(std::move(dir)), scenario_(std::move(scenario)) {}

  int Run(size_t batch, size_t batches) {
    // A fault in the store's creation is an error; the second open creates it.
    if (!Reopen() && !Reopen()) return 1;
    annal::Workload workload({.seed = 7});
    for (size_t b = 0; b < batches; ++b) {
      if (int rc = AppendOne(workload.Take(batch), b); rc != 0) return rc;
      // Deferred: the projector after each batch; rebuild: halfway.
      if (scenario_ == "faults-deferred" &&
          !Retried([&] { return engine_->ProjectPending().status(); }))
        return 1;
      if (scenario_ == "faults-rebuild" && b == batches / 2 &&
          !Retried([&] { return engine_->Rebuild(); }))
        return 1;
    }
    if (scenario_ == "faults-deferred" &&
        !Retried([&] { return engine_->ProjectPending().status(); }))
      return 1;
    annal::Result<annal::VerifyReport> report = annal::Status::Internal("not verified");
    if (!Retried([&] { return (report = engine_->Verify()).status(); })) return 1;
    const uint64_t held = LastSeq(*engine_).value_or(0);
    if (!report->identical() || held != appended_) {
      fprintf(stderr,
              "crash_writer: the store does not verify, or holds %llu events of %llu\n",
              static_cast<unsigned long long>(held),
              static_cast<unsigned long long>(appended_));
      return 1;
    }
    return 0;
  }

 private:
  bool Reopen() {
    engine_.reset();
    auto opened = annal::Engine::Open(dir_, OpenOptions(scenario_, 0));
    if (!opened.ok()) {
      fprintf(stderr, "crash_writer: %s\n", opened.status().ToString().c_str());
      if (opened.status().code() != annal::Status::Code::kIOError) std::exit(1);
      return false;
    }
    engine_ = std::move(*opened);
    return true;
  }

  // `op` once, and once more after reopening when the fault failed it.
  template <class Op>
  bool Retried(Op op) {
    annal::Status st = op();
    if (st.ok()) return true;
    fprintf(stderr, "crash_writer: %s\n", st.ToString().c_str());
    if (st.code() != annal::Status::Code::kIOError || !Reopen()) return false;
    st = op();
    if (!st.ok()) fprintf(stderr, "crash_writer: again: %s\n", st.ToString().c_str());
    return st.ok();
  }

  int AppendOne(const std::vector<annal::Event>& events, size_t b) {
    const std::optional<uint64_t> before = LastSeq(*engine_);
    if (!before) return Fail(annal::Status::Internal("the store cannot be read"));
    auto receipt = engine_->Append(events);
    if (!receipt.ok()) {
      const annal::Status& st = receipt.status();
      fprintf(stderr, "crash_writer: append %zu failed: %s\n", b, st.ToString().c_str());
      if (st.code() != annal::Status::Code::kIOError) return 1;
      const std::optional<uint64_t> after = LastSeq(*engine_);
      if (st.message().find("was committed as seqs") != std::string::npos) {
        // Committed, its sync failed: whole, visible, not to be appended again.
        if (after != *before + events.size()) {
          fprintf(stderr,
                  "crash_writer: a batch said committed is not whole in the store\n");
          return 1;
        }
        Note("end " + std::to_string(*after));  // a batch's end, not acknowledged
        appended_ += events.size();
        return 0;
      }
      if (after && after != before) {
        fprintf(stderr, "crash_writer: the failed append is visible\n");
        return 1;
      }
      receipt = engine_->Append(events);
      if (!receipt.ok()) {  // the engine refuses after the fault: reopen
        if (!Reopen()) return 1;
        if (LastSeq(*engine_) != before) {
          fprintf(stderr, "crash_writer: the failed append is in the reopened store\n");
          return 1;
        }
        receipt = engine_->Append(events);
        if (!receipt.ok()) return Fail(receipt.status());
      }
    }
    appended_ += events.size();
    Note("ack " + std::to_string(receipt->last_seq));
    return 0;
  }

  std::string dir_, scenario_;
  std::unique_ptr<annal::Engine> engine_;
  uint64_t appended_ = 0;
};

// The "promote" scenario: a replica made at DIR takes a primary's log (at
// DIR.src, not recorded) a batch at a time, is promoted, and appends on.
int Promote(const std::string& dir, annal::Workload& workload, size_t batch,
            size_t batches) {
  auto primary = annal::Engine::Open(dir + ".src", OpenOptions("promote", 0));
  if (!primary.ok()) return Fail(primary.status());
  if (!AppendSome(**primary, workload, batch, batches / 2, "promote", true)) return 1;
  std::vector<std::string> stored;
  auto snap = (*primary)->Read();
  if (!snap.ok()) return Fail(snap.status());
  annal::Status scanned = snap->ScanStored(1, [&](uint64_t, std::string_view value) {
    stored.emplace_back(value);
    return true;
  });
  if (!scanned.ok()) return Fail(scanned);
  auto replica = annal::Engine::Open(dir, OpenOptions("promote", 0));
  if (!replica.ok()) return Fail(replica.status());
  annal::StoreReplication replication(**replica);
  if (annal::Status st = replication.MakeReplica(); !st.ok()) return Fail(st);
  for (size_t first = 0; first < stored.size(); first += batch) {
    std::vector<std::string_view> values(
        stored.begin() + static_cast<ptrdiff_t>(first),
        stored.begin() + static_cast<ptrdiff_t>(std::min(stored.size(), first + batch)));
    auto head = replication.AppendStored(first + 1, values);
    if (!head.ok()) return Fail(head.status());
    Note("ack " + std::to_string(*head));
  }
  if (annal::Status st = replication.Promote(); !st.ok()) return Fail(st);
  return AppendSome(**replica, workload, batch, batches - batches / 2, "promote") ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: crash_writer DIR SCENARIO BATCH BATCHES [THREADS]\n");
    return 2;
  }
  const std::string dir = argv[1], scenario = argv[2];
  const size_t batch = std::strtoul(argv[3], nullptr, 10);
  const size_t batches = std::strtoul(argv[4], nullptr, 10);
  const size_t threads = argc > 5 ? std::strtoul(argv[5], nullptr, 10) : 1;
  annal::Workload workload({.seed = 7});

  if (scenario.rfind("faults", 0) == 0)
    return FaultRun(dir, scenario).Run(batch, batches);
  if (scenario == "backup") {
    // The source's appends are not the recorded store's: only the backup's
    // return is noted.
    auto source = annal::Engine::Open(dir + ".src", OpenOptions(scenario, 0));
    if (!source.ok()) return Fail(source.status());
    if (!AppendSome(**source, workload, batch, batches, scenario, true)) return 1;
    auto backup = (*source)->Backup(dir);
    if (!backup.ok()) return Fail(backup.status());
    auto last = LastSeq(**source);
    if (!last) return Fail(annal::Status::Internal("the source cannot be read"));
    Note("ack " + std::to_string(*last));
    return 0;
  }
  if (scenario == "promote") return Promote(dir, workload, batch, batches);
  if (scenario == "projection") {
    // Three opens: without tool_stats, with version 1, with version 2.
    for (uint32_t version = 0; version <= 2; ++version) {
      auto engine = annal::Engine::Open(dir, OpenOptions(scenario, version));
      if (!engine.ok()) return Fail(engine.status());
      if (!AppendSome(**engine, workload, batch, batches / 3, scenario)) return 1;
    }
    return 0;
  }
  auto opened = annal::Engine::Open(dir, OpenOptions(scenario, 0));
  if (!opened.ok()) return Fail(opened.status());
  annal::Engine& engine = **opened;
  if (scenario == "ship") return Ship(engine, workload, batch, batches);
  if (scenario == "rebuild") {
    if (!AppendSome(engine, workload, batch, batches / 2, scenario)) return 1;
    if (annal::Status st = engine.Rebuild(); !st.ok()) return Fail(st);
    return AppendSome(engine, workload, batch, batches - batches / 2, scenario) ? 0 : 1;
  }
  std::vector<std::thread> workers;
  std::vector<int> failed(threads, 0);
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      annal::Workload own({.seed = 7 + t});
      failed[t] = AppendSome(engine, own, batch, batches, scenario) ? 0 : 1;
    });
  }
  for (auto& w : workers) w.join();
  for (int f : failed)
    if (f) return 1;
  return 0;
}
