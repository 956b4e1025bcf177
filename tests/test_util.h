// Helpers shared by the tests: temporary directories, a raw dump of every
// sub-database, running the annal command, and every query as JSON text.
#pragma once

#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "annal/engine.h"

namespace annal::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A fixture whose tests share one store of 200,000 workload events (20
// batches of 10,000, written without fsync), built once per test suite.
class WorkloadStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static TempDir* dir_;
  static Engine* engine_;
};

// Every key and value of every named sub-database, read with the raw LMDB C
// API. The store must not be open in this process (close the Engine first).
using Dump = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;
Dump DumpStore(const std::string& dir);

// A raw LMDB transaction on a store this process has not opened (close the
// Engine first), for tests that work behind the engine's back. Commits at
// Commit(), aborts otherwise.
class RawStore {
 public:
  explicit RawStore(const std::string& dir, bool write = true);
  ~RawStore();
  RawStore(const RawStore&) = delete;
  RawStore& operator=(const RawStore&) = delete;

  unsigned Dbi(const std::string& name, bool create = false);
  std::optional<std::string> Get(unsigned dbi, std::string_view key);
  void Put(unsigned dbi, std::string_view key, std::string_view value);
  bool Del(unsigned dbi, std::string_view key);
  // The name of a derived sub-database in the live slot ("proj_alarms@1").
  std::string LiveName(const std::string& name);
  // Deletes the first entry of the live slot's sub-database `name` (as
  // LiveName takes it); false when there is none.
  bool DeleteFirst(const std::string& name);
  MDB_txn* txn() const { return txn_; }
  MDB_env* env() const { return env_; }
  void Commit();

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
};

// Opens or fails the test.
std::unique_ptr<Engine> MustOpen(const std::string& dir, Options options = {});

// Every query of the Snapshot API (every projection, every indexed query at
// a few times, every alarm state) rendered as JSONL, one section per query.
std::string AllQueriesJson(const Engine& engine);

// The whole log, read through Snapshot::ScanLog in `view`.
std::vector<LoggedEvent> LoggedEvents(
    const Engine& engine, Snapshot::LogView view = Snapshot::LogView::kCurrent);

// Runs a shell command line; returns its exit status and standard output.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult RunShell(const std::string& command_line);

// Starts a program (argv[0] a path) with its standard output discarded.
pid_t Spawn(const std::vector<std::string>& args);
// Sends `sig` (unless 0) and waits: the exit code, or minus the signal that
// ended the process.
int StopAndWait(pid_t pid, int sig);

// Path of the annal command built alongside the tests.
std::string AnnalCli();

// Convenience: an event with its ts set.
template <class Body>
Event At(int64_t ts, Body body) {
  Event e(std::move(body));
  e.ts = ts;
  return e;
}

}  // namespace annal::testing
