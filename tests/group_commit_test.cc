// Group commit (issue 12): threads of one process appending at once share
// write transactions, yet each caller's batch stays all-or-nothing on its
// own, gets its own receipt or error, and keeps its events contiguous. Also a
// process with 16 appending threads SIGKILLed at random moments: every batch
// whose Append returned success is in the log, whole.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/test_util.h"

namespace annal::testing {
namespace {

constexpr int kThreads = 16;

// Batch `n` of thread `t`: 1 to 3 new tasks whose ids say where they belong
// ("b<tag>-<t>-<n>-<k>of<size>"); every `bad_every`-th batch ends with an
// event that breaks a rule (a status change of a task that does not exist).
std::vector<Event> BatchOf(const std::string& tag, int t, int n, int bad_every) {
  const int size = 1 + (t + n) % 3;
  std::vector<Event> batch;
  for (int k = 0; k < size; ++k) {
    std::string id = "b" + tag + "-" + std::to_string(t) + "-" + std::to_string(n) + "-" +
                     std::to_string(k) + "of" + std::to_string(size);
    batch.push_back(At(1000 + n, TaskCreated{id, "job"}));
  }
  if (bad_every > 0 && n % bad_every == bad_every - 1) {
    batch.push_back(
        At(1000 + n, TaskStatusChanged{"no-such-task", TaskStatus::kRunning}));
  }
  return batch;
}

// The batch prefix of an id ("b<tag>-<t>-<n>") and its declared size.
std::pair<std::string, int> BatchKey(const std::string& id) {
  size_t k = id.rfind('-');
  size_t of = id.rfind("of");
  return {id.substr(0, k), std::stoi(id.substr(of + 2))};
}

TEST(GroupCommit, SixteenThreadsGetTheirOwnReceiptsAndErrors) {
  TempDir dir;
  auto engine = MustOpen(dir.Sub("store"));
  constexpr int kBatches = 40, kBadEvery = 5;
  struct Outcome {
    std::vector<Event> batch;
    Result<AppendReceipt> result = Status::Busy("not run");
  };
  std::vector<std::vector<Outcome>> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kBatches; ++n) {
        Outcome o{BatchOf("g", t, n, kBadEvery)};
        o.result = engine->Append(o.batch);
        outcomes[t].push_back(std::move(o));
      }
    });
  }
  for (auto& th : threads) th.join();

  std::map<uint64_t, Event> log;
  ASSERT_TRUE(engine->Read()
                  ->ScanLog(1,
                            [&](const LoggedEvent& ev) {
                              log.emplace(ev.seq, ev.event);
                              return true;
                            })
                  .ok());
  size_t accepted_events = 0;
  std::set<uint64_t> claimed;
  for (int t = 0; t < kThreads; ++t) {
    for (int n = 0; n < kBatches; ++n) {
      const Outcome& o = outcomes[t][n];
      const bool bad = n % kBadEvery == kBadEvery - 1;
      if (bad) {
        ASSERT_FALSE(o.result.ok()) << "thread " << t << " batch " << n;
        EXPECT_EQ(o.result.status().code(), Status::Code::kRejected);
        EXPECT_EQ(o.result.status().event_index(), o.batch.size() - 1)
            << "the error is this caller's: " << o.result.status().message();
        EXPECT_NE(o.result.status().message().find("task_status_changed"),
                  std::string::npos);
        continue;
      }
      ASSERT_TRUE(o.result.ok()) << o.result.status().ToString();
      const AppendReceipt& r = *o.result;
      ASSERT_EQ(r.last_seq - r.first_seq + 1, o.batch.size()) << "its own receipt";
      for (uint64_t seq = r.first_seq; seq <= r.last_seq; ++seq) {
        ASSERT_TRUE(claimed.insert(seq).second) << "seq " << seq << " in two receipts";
        ASSERT_TRUE(log.contains(seq));
        EXPECT_EQ(log.at(seq).body, o.batch[seq - r.first_seq].body)
            << "the batch is contiguous, in its order, at its receipt's seqs";
      }
      accepted_events += o.batch.size();
    }
  }
  EXPECT_EQ(log.size(), accepted_events) << "rejected batches left nothing";
  EXPECT_EQ(log.rbegin()->first, accepted_events) << "seqs are gapless";
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
}

// The child: 16 threads append durable batches until killed, each writing
// "first_seq last_seq thread batch\n" to `acks` once its Append returned.
// A byte to `opened` once the store is open, and another once a batch is
// acknowledged: the kill's moment counts from one of them (as in
// crash_test.cc), so it lands among appends however slow a sanitizer is.
[[noreturn]] void ThreadedWriter(const std::string& db, const std::string& acks,
                                 int round, int opened) {
  auto e = Engine::Open(db);
  if (!e.ok()) _exit(3);
  if (::write(opened, "o", 1) != 1) _exit(7);
  int fd = ::open(acks.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd < 0) _exit(4);
  std::once_flag acked;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0;; ++n) {
        auto r = (*e)->Append(BatchOf(std::to_string(round), t, n, 0));
        if (!r.ok()) _exit(5);
        std::string line = std::to_string(r->first_seq) + " " +
                           std::to_string(r->last_seq) + " " + std::to_string(t) + " " +
                           std::to_string(n) + "\n";
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(6);
        }
        std::call_once(acked, [&] {
          if (::write(opened, "a", 1) != 1) _exit(7);
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

TEST(GroupCommit, KilledWithSixteenAppendingThreadsLosesNoAcknowledgedBatch) {
  TempDir dir;
  const std::string db = dir.Sub("store"), acks = dir.Sub("acks");
  MustOpen(db).reset();
  std::mt19937 rng(12);
  constexpr int kKills = 20;
  uint64_t checked_to = 0, acked_total = 0;
  for (int k = 0; k < kKills; ++k) {
    std::remove(acks.c_str());
    int opened[2];
    ASSERT_EQ(::pipe(opened), 0);
    pid_t child = fork();
    if (child == 0) ThreadedWriter(db, acks, k, opened[1]);
    ::close(opened[1]);
    // Opened (and on odd kills, acknowledged a batch: under a sanitizer 80 ms
    // after Open may be before any), or died: waitpid below says which.
    for (int bytes = 0; bytes < 1 + k % 2; ++bytes) {
      pollfd ready{opened[0], POLLIN, 0};
      char told = 0;
      if (::poll(&ready, 1, 60000) != 1 || ::read(opened[0], &told, 1) != 1) break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20000 + rng() % 60000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ::close(opened[0]);  // after the kill: the writer's second byte finds it open
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer died on its own: status " << status;

    auto e = MustOpen(db);
    // Every batch new in the log since the last kill is whole and contiguous.
    std::map<uint64_t, std::string> ids;  // seq -> task id
    ASSERT_TRUE(e->Read()
                    ->ScanLog(checked_to + 1,
                              [&](const LoggedEvent& ev) {
                                ids[ev.seq] =
                                    std::get<TaskCreated>(ev.event.body).task_id;
                                return true;
                              })
                    .ok());
    for (auto it = ids.begin(); it != ids.end();) {
      auto [key, size] = BatchKey(it->second);
      for (int j = 0; j < size; ++j, ++it) {
        ASSERT_NE(it, ids.end()) << "batch " << key << " is cut short";
        ASSERT_EQ(BatchKey(it->second).first, key) << "batch " << key << " is not whole";
        ASSERT_EQ(it->second,
                  key + "-" + std::to_string(j) + "of" + std::to_string(size));
      }
    }
    // Every batch the writer was told is committed is there, at its seqs.
    std::ifstream in(acks);
    uint64_t first, last;
    int t, n;
    while (in >> first >> last >> t >> n) {
      ++acked_total;
      const std::string key =
          "b" + std::to_string(k) + "-" + std::to_string(t) + "-" + std::to_string(n);
      for (uint64_t seq = first; seq <= last; ++seq) {
        ASSERT_TRUE(ids.contains(seq))
            << "acknowledged seq " << seq << " lost (kill " << k << ")";
        EXPECT_EQ(BatchKey(ids[seq]).first, key);
      }
    }
    if (!ids.empty()) checked_to = ids.rbegin()->first;
  }
  auto e = MustOpen(db);
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
  EXPECT_GT(acked_total, 0u) << "the writers made progress";
  std::cout << kKills << " kills of 16 appending threads; " << acked_total
            << " acknowledged batches, none lost; log of " << checked_to << " events\n";
}

}  // namespace
}  // namespace annal::testing
