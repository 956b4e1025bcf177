// Many processes and threads at once (issue 6): writer processes (`annal
// import`) and writer threads append while reader threads and a reader
// process hold snapshots, another reader process is SIGKILLed inside one,
// and the map grows from 1 MiB under all of it. No call fails, no event is
// lost or doubled, and every snapshot is consistent: all events are
// task_created, so in any snapshot the runnable queue depth equals the last
// seq, and stays so for as long as the snapshot is held.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "annal/jsonl.h"
#include "tests/test_util.h"

namespace annal::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kWriterProcesses = 3, kWriterThreads = 2, kPerWriter = 2000;
constexpr uint64_t kTotal = (kWriterProcesses + kWriterThreads) * kPerWriter;

Event Created(const std::string& writer, int i) {
  return At(i, TaskCreated{writer + "-" + std::to_string(i), "n"});
}

// Takes snapshots and holds each a while; the number of inconsistent ones.
int ReadConsistently(const Engine& e, const std::function<bool()>& done) {
  int broken = 0;
  while (!done()) {
    auto snap = e.Read();
    if (!snap.ok()) return 1000;
    const uint64_t seq = *snap->LastSeq();
    for (int look = 0; look < 3; ++look) {
      if (snap->QueueDepth()->runnable_tasks != seq || *snap->LastSeq() != seq) ++broken;
      std::this_thread::sleep_for(2ms);
    }
  }
  return broken;
}

// Kills and reaps, when the test ends early, the children it did not wait
// for: none may outlive it holding its output open, which ctest waits on.
class Children {
 public:
  pid_t Add(pid_t pid) {
    pids_.push_back(pid);
    return pid;
  }
  int Wait(pid_t pid, int sig = 0) {
    std::erase(pids_, pid);
    return StopAndWait(pid, sig);
  }
  ~Children() {
    for (pid_t p : pids_) StopAndWait(p, SIGKILL);
  }

 private:
  std::vector<pid_t> pids_;
};

TEST(ManyProcesses, WritersReadersAndAKilledReaderLoseNothing) {
  TempDir dir;
  const std::string db = dir.Sub("store");
  Options small;
  small.initial_map_size = 1 << 20;
  MustOpen(db, small).reset();

  // A reader process checking snapshots until the log is complete, and one
  // that takes a snapshot and waits to be killed inside it.
  Children children;
  pid_t reader = children.Add(fork());
  if (reader == 0) {
    auto e = Engine::Open(db);
    if (!e.ok()) _exit(100);
    // Until the log is complete, or a deadline if a writer failed.
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    auto complete = [&] {
      auto snap = (*e)->Read();
      return !snap.ok() || *snap->LastSeq() >= kTotal ||
             std::chrono::steady_clock::now() > deadline;
    };
    _exit(std::min(ReadConsistently(**e, complete), 99));
  }
  pid_t doomed = children.Add(fork());
  if (doomed == 0) {
    auto e = Engine::Open(db);
    if (!e.ok()) _exit(100);
    auto snap = (*e)->Read();
    for (;;) pause();
  }

  std::vector<pid_t> writers;
  for (int w = 0; w < kWriterProcesses; ++w) {
    std::string file = dir.Sub("w" + std::to_string(w) + ".jsonl"), text;
    for (int i = 0; i < kPerWriter; ++i)
      AppendJson(text, Created("p" + std::to_string(w), i)), text += '\n';
    std::ofstream(file) << text;
    writers.push_back(
        children.Add(Spawn({AnnalCli(), "--db", db, "import", file, "--batch", "25"})));
  }
  auto e = MustOpen(db, small);
  std::atomic<int> writing{kWriterThreads};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerWriter; i += 20) {
        std::vector<Event> batch;
        for (int j = i; j < i + 20; ++j)
          batch.push_back(Created("t" + std::to_string(t), j));
        if (auto r = e->Append(batch); !r.ok()) {
          std::lock_guard lock(failures_mutex);
          failures.push_back(r.status().ToString());
        }
        if (i == kPerWriter / 2 && t == 0) kill(doomed, SIGKILL);
      }
      --writing;
    });
  }
  std::atomic<int> inconsistent{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back(
        [&] { inconsistent += ReadConsistently(*e, [&] { return writing == 0; }); });
  }
  for (auto& t : threads) t.join();
  for (pid_t w : writers) EXPECT_EQ(children.Wait(w), 0) << "an import failed";
  EXPECT_EQ(children.Wait(reader), 0) << "inconsistent snapshots in the reader process";
  EXPECT_EQ(children.Wait(doomed), -SIGKILL);
  EXPECT_TRUE(failures.empty())
      << failures.size() << " appends failed, the first: " << failures[0];
  EXPECT_EQ(inconsistent, 0);

  std::set<std::string> ids;
  uint64_t expect_seq = 1;
  ASSERT_TRUE(e->Read()
                  ->ScanLog(1,
                            [&](const LoggedEvent& ev) {
                              EXPECT_EQ(ev.seq, expect_seq++);
                              ids.insert(std::get<TaskCreated>(ev.event.body).task_id);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(expect_seq - 1, kTotal) << "seqs gapless";
  EXPECT_EQ(ids.size(), kTotal) << "every event exactly once";
  EXPECT_GT(e->Stats().map_size, small.initial_map_size)
      << "the map did not grow under load";
  auto report = e->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->identical());
}

}  // namespace
}  // namespace annal::testing
