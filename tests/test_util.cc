#include "tests/test_util.h"

#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "annal/jsonl.h"
#include "annal/workload.h"

namespace annal::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/annal-test-XXXXXX";
  char* p = mkdtemp(tmpl);
  if (!p) throw std::runtime_error("mkdtemp failed");
  path_ = p;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Dump DumpStore(const std::string& dir) {
  Dump dump;
  MDB_env* env = nullptr;
  EXPECT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 256);
  int rc = mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0600);
  EXPECT_EQ(rc, 0) << mdb_strerror(rc);
  MDB_txn* txn = nullptr;
  mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  MDB_dbi main_db;
  mdb_dbi_open(txn, nullptr, 0, &main_db);
  std::vector<std::string> names;
  MDB_cursor* c;
  mdb_cursor_open(txn, main_db, &c);
  MDB_val k, v;
  for (int op = MDB_FIRST; mdb_cursor_get(c, &k, &v, static_cast<MDB_cursor_op>(op)) == 0;
       op = MDB_NEXT) {
    names.emplace_back(static_cast<char*>(k.mv_data), k.mv_size);
  }
  mdb_cursor_close(c);
  for (const std::string& name : names) {
    MDB_dbi dbi;
    EXPECT_EQ(mdb_dbi_open(txn, name.c_str(), 0, &dbi), 0) << name;
    auto& rows = dump[name];
    mdb_cursor_open(txn, dbi, &c);
    for (int op = MDB_FIRST;
         mdb_cursor_get(c, &k, &v, static_cast<MDB_cursor_op>(op)) == 0; op = MDB_NEXT) {
      rows.emplace_back(std::string(static_cast<char*>(k.mv_data), k.mv_size),
                        std::string(static_cast<char*>(v.mv_data), v.mv_size));
    }
    mdb_cursor_close(c);
  }
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return dump;
}

RawStore::RawStore(const std::string& dir, bool write) {
  mdb_env_create(&env_);
  mdb_env_set_maxdbs(env_, 256);
  int rc = mdb_env_open(env_, dir.c_str(), write ? 0 : MDB_RDONLY, 0600);
  if (rc != 0) throw std::runtime_error(std::string("raw open: ") + mdb_strerror(rc));
  mdb_txn_begin(env_, nullptr, write ? 0 : MDB_RDONLY, &txn_);
}

RawStore::~RawStore() {
  if (txn_) mdb_txn_abort(txn_);
  mdb_env_close(env_);
}

unsigned RawStore::Dbi(const std::string& name, bool create) {
  MDB_dbi dbi;
  int rc = mdb_dbi_open(txn_, name.c_str(), create ? MDB_CREATE : 0, &dbi);
  if (rc != 0) throw std::runtime_error("raw dbi " + name + ": " + mdb_strerror(rc));
  return dbi;
}

std::optional<std::string> RawStore::Get(unsigned dbi, std::string_view key) {
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  if (mdb_get(txn_, dbi, &k, &v) != 0) return std::nullopt;
  return std::string(static_cast<char*>(v.mv_data), v.mv_size);
}

void RawStore::Put(unsigned dbi, std::string_view key, std::string_view value) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  EXPECT_EQ(mdb_put(txn_, dbi, &k, &v, 0), 0);
}

bool RawStore::Del(unsigned dbi, std::string_view key) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  return mdb_del(txn_, dbi, &k, nullptr) == 0;
}

std::string RawStore::LiveName(const std::string& name) {
  auto live = Get(Dbi("meta"), std::string_view("live\0\0\0\0", 8));
  return live && (*live)[0] == 1 ? name + "@1" : name;
}

void RawStore::Commit() {
  EXPECT_EQ(mdb_txn_commit(txn_), 0);
  txn_ = nullptr;
}

bool RawStore::DeleteFirst(const std::string& name) {
  MDB_cursor* c = nullptr;
  if (mdb_cursor_open(txn_, Dbi(LiveName(name)), &c) != MDB_SUCCESS) return false;
  MDB_val k, v;
  const bool deleted = mdb_cursor_get(c, &k, &v, MDB_FIRST) == MDB_SUCCESS &&
                       mdb_cursor_del(c, 0) == MDB_SUCCESS;
  mdb_cursor_close(c);
  return deleted;
}

TempDir* WorkloadStoreTest::dir_ = nullptr;
Engine* WorkloadStoreTest::engine_ = nullptr;

void WorkloadStoreTest::SetUpTestSuite() {
  dir_ = new TempDir();
  Options o;
  o.sync = false;
  engine_ = MustOpen(dir_->Sub("store"), o).release();
  Workload w;
  for (int i = 0; i < 20; ++i) {
    auto batch = w.Take(10000);
    ASSERT_TRUE(engine_->Append(batch).ok());
  }
}

void WorkloadStoreTest::TearDownTestSuite() {
  delete engine_;
  engine_ = nullptr;
  delete dir_;
  dir_ = nullptr;
}

std::unique_ptr<Engine> MustOpen(const std::string& dir, Options options) {
  auto e = Engine::Open(dir, std::move(options));
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) throw std::runtime_error(e.status().ToString());
  return std::move(e.value());
}

namespace {

template <class Row>
void Section(std::string& out, const std::string& title,
             const Result<std::vector<Row>>& rows) {
  out += "# " + title + "\n";
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return;
  for (const Row& r : *rows) {
    AppendJson(out, r);
    out += '\n';
  }
}

template <class Row>
Result<std::vector<Row>> AsRows(const Result<Row>& r) {
  if (!r.ok()) return r.status();
  return std::vector<Row>{*r};
}

}  // namespace

std::vector<LoggedEvent> LoggedEvents(const Engine& engine, Snapshot::LogView view) {
  std::vector<LoggedEvent> out;
  auto snap = engine.Read();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  Status st = snap->ScanLog(
      1,
      [&](const LoggedEvent& ev) {
        out.push_back(ev);
        return true;
      },
      view);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::string AllQueriesJson(const Engine& engine) {
  auto snap = engine.Read();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  const Snapshot& s = *snap;
  std::string out;
  Section(out, "active_tasks", s.ActiveTasks());
  Section(out, "schedules", s.Schedules());
  Section(out, "watchers", s.Watchers());
  Section(out, "rules", s.Rules());
  Section(out, "integrations", s.Integrations());
  Section(out, "approvals", s.Approvals());
  Section(out, "queue_depth", AsRows(s.QueueDepth()));
  Section(out, "autonomy_current", AsRows(s.AutonomyCurrent()));
  Section(out, "autonomy_changes", s.AutonomyChanges());
  Section(out, "alarms", s.Alarms());
  for (AlarmState st : {AlarmState::kOpen, AlarmState::kAcked, AlarmState::kResolved}) {
    Section(out, "alarms " + std::string(NameOf(st)), s.AlarmsInState(st));
  }
  for (int64_t t : {INT64_MIN, int64_t{1'700'000'000'000'000},
                    int64_t{1'700'050'000'000'000}, INT64_MAX}) {
    std::string at = std::to_string(t);
    Section(out, "waking by " + at, s.PausedTasksWakingBy(t));
    Section(out, "schedules due by " + at, s.SchedulesDueBy(t));
    Section(out, "approvals expiring by " + at, s.ApprovalsExpiringBy(t));
  }
  return out;
}

pid_t Spawn(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int StopAndWait(pid_t pid, int sig) {
  if (sig) kill(pid, sig);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

CommandResult RunShell(const std::string& command_line) {
  CommandResult r;
  FILE* p = popen(command_line.c_str(), "r");
  if (!p) return r;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string AnnalCli() { return ANNAL_CLI_PATH; }

}  // namespace annal::testing
