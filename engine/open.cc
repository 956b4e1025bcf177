// Engine::Open: the directory checks, the LMDB environment, and the meta
// record that identifies an annal store and its format version.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "engine/declare.h"
#include "engine/engine_impl.h"
#include "engine/logging.h"
#include "engine/subject_keys.h"
#include "projectors/compiled_in.h"
#include "store/keys.h"
#include "store/meta.h"
#include "store/new_data_file.h"
#include "store/page_check.h"

namespace annal {
namespace internal {
namespace {

namespace fs = std::filesystem;

// meta["format"]: 8-byte magic, u32 format version, u32 reserved (little-endian).
constexpr char kMagic[8] = {'A', 'N', 'N', 'A', 'L', 'D', 'B', '\0'};
constexpr uint32_t kFormatVersion = 1;
// Every sub-database in both slots, and the main database.
constexpr MDB_dbi kMaxLmdbDbs = 2 * kMaxDbs + 1;

struct MetaFormat {
  char magic[8];
  uint32_t version;
  uint32_t reserved;
};
static_assert(sizeof(MetaFormat) == 16);

Status CheckDirectory(const std::string& dir, const Options& o, bool* fresh,
                      bool* made_dir) {
  std::error_code ec;
  fs::path data = fs::path(dir) / "data.mdb";
  if (!fs::exists(dir, ec)) {
    if (!o.create_if_missing || o.read_only)
      return Status::NotAStore("no annal store at " + dir);
    if (fs::create_directories(dir, ec)) {
      ::chmod(dir.c_str(), DirectoryMode(o.file_mode));
      *fresh = true;
      *made_dir = true;
      return Status::Ok();
    }
    // Not made, and no error: another process made it meanwhile.
    if (ec || !fs::is_directory(dir, ec)) {
      return Status::IOError("cannot create " + dir + ": " + ec.message());
    }
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::NotAStore(dir + " is not a directory (an annal store is a directory)");
  }
  if (fs::exists(data, ec)) {
    if (!fs::is_regular_file(data, ec))
      return Status::NotAStore(data.string() + " is not a file");
    struct stat st;
    if (::stat(data.c_str(), &st) == 0 && st.st_uid != ::geteuid() &&
        !o.allow_other_owner) {
      return Status::IOError(
          dir + " belongs to uid " + std::to_string(st.st_uid) +
          ", not to this process (uid " + std::to_string(::geteuid()) +
          "): refusing to open another user's store (Options::allow_other_owner)");
    }
    *fresh = false;
    return Status::Ok();
  }
  if (!o.create_if_missing || o.read_only)
    return Status::NotAStore("no annal store at " + dir);
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    // Another process creating the store at the same moment: it is one now.
    if (entry.path().filename() == "data.mdb")
      return CheckDirectory(dir, o, fresh, made_dir);
    const std::string name = entry.path().filename().string();
    // A creator that died mid-way (store/new_data_file.h) left its work.
    if (name.rfind(kCreatingPrefix, 0) == 0) continue;
    if (name != "lock.mdb" && name != "journal") {
      return Status::NotAStore(
          dir + " is not empty and holds no annal store; refusing to create one there");
    }
  }
  *fresh = true;
  return Status::Ok();
}

// Checks (or, for a new store, writes) the meta record and opens every
// sub-database, inside one transaction.
Status OpenSubDatabases(Engine::Impl& s, bool fresh) {
  bool writable = !s.options.read_only;
  Txn txn = writable ? s.BeginWrite() : Txn(s.env.handle(), Txn::kReadOnly);
  MDB_dbi meta;
  int rc = mdb_dbi_open(txn.handle(), "meta", 0, &meta);
  bool creating = false;
  if (rc == MDB_NOTFOUND) {
    MDB_dbi main_db;
    lmdb::dbi_open(txn.handle(), nullptr, 0, &main_db);
    MDB_stat st;
    lmdb::dbi_stat(txn.handle(), main_db, &st);
    // An empty environment: this process's new store, or one another
    // process is creating (it made data.mdb; its first transaction has not
    // committed): whichever writer comes first makes the store.
    if (!writable || st.ms_entries != 0 || (!fresh && !s.options.create_if_missing)) {
      return Status::NotAStore(s.dir + " is an LMDB environment but not an annal store");
    }
    creating = true;
    lmdb::dbi_open(txn.handle(), "meta", MDB_CREATE, &meta);
    MetaFormat f{};
    std::memcpy(f.magic, kMagic, sizeof kMagic);
    f.version = kFormatVersion;
    PutOrThrow(txn.handle(), meta, keys::Name(meta_key::kFormat),
               std::string_view(reinterpret_cast<const char*>(&f), sizeof f));
  } else if (rc != MDB_SUCCESS) {
    lmdb::error::raise("mdb_dbi_open", rc);
  } else {
    auto v = GetInPlace(txn.handle(), meta, keys::Name(meta_key::kFormat));
    MetaFormat f{};
    if (!v || v->size() < sizeof f) {
      return Status::NotAStore(s.dir + " has no annal format record");
    }
    std::memcpy(&f, v->data(), sizeof f);
    if (std::memcmp(f.magic, kMagic, sizeof kMagic) != 0) {
      return Status::NotAStore(s.dir + " is not an annal store (wrong magic)");
    }
    if (f.version > kFormatVersion) {
      return Status::Incompatible(
          s.dir + " has store format version " + std::to_string(f.version) +
          ", newer than this annal supports (" + std::to_string(kFormatVersion) +
          "); use a newer annal");
    }
  }
  for (size_t slot = 0; slot < kSlots; ++slot) {
    for (Db db : s.dbs) {
      std::string name = SlotName(db, slot);
      MDB_dbi dbi;
      rc = mdb_dbi_open(txn.handle(), name.c_str(), writable ? MDB_CREATE : 0, &dbi);
      if (rc == MDB_NOTFOUND && IsDeclared(db)) {
        return Status::InvalidInput(
            "projection " + std::string(Spec(db).owner) + " is not in " + s.dir +
            " yet (it has no table " + name +
            "): open the store for writing once with it to build it");
      }
      if (rc == MDB_NOTFOUND && db == Db::kSubjectKeys) {  // older store, read-only
        s.slots[slot][static_cast<size_t>(db)] = kNoSubjectKeys;
        continue;
      }
      if (rc == MDB_NOTFOUND)
        return Status::Corruption(s.dir + " lacks sub-database " + name);
      if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_dbi_open", rc);
      s.slots[slot][static_cast<size_t>(db)] = dbi;
    }
  }
  if (creating) {
    SetLiveSlot(txn.handle(), meta, 0);
    WriteSlotVersions(txn.handle(), meta, 0, s.code_versions);
  }
  if (writable) {
    const std::string_view mode = s.options.mode == Mode::kInline ? "inline" : "deferred";
    // A replica stays one whatever mode it is opened in (Promote ends it).
    const std::string recorded = ReadMode(txn.handle(), meta);
    if (recorded != mode && recorded != "replica") WriteMode(txn.handle(), meta, mode);
  }
  s.CommitDurably(txn);
  return Status::Ok();
}

// LMDB writes its lock file's reader table through a shared mapping of a
// file it only ftruncate()s: on a full disk the first store into a page with
// no block behind it is SIGBUS. Blocks for the whole table first, so that a
// full disk is an error here instead.
Status PreallocateLockFile(const std::string& dir, mode_t mode, bool read_only) {
  const std::string path = dir + "/lock.mdb";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return Status::Ok();  // a read-only place: LMDB says what it can do
  constexpr off_t kTable = 8192;    // 126 readers: 125 * 64 + 192 bytes (mdb.c)
  struct stat st;
  int rc = ::fstat(fd, &st);
  if (rc == 0 && st.st_blocks * 512 < std::max<off_t>(st.st_size, kTable))
    rc = ::posix_fallocate(fd, 0, std::max<off_t>(st.st_size, kTable));
  ::close(fd);
  if (rc == ENOSPC) {
    return Status::IOError("no space left on device for " + path +
                           (read_only ? " (a reader needs its lock file)" : ""));
  }
  return Status::Ok();
}

// What a fresh store's failed Open created, so that trying again starts
// clean (an empty data.mdb would be refused as damaged).
void RemoveCreated(const std::string& dir, bool made_dir) {
  std::error_code ec;
  if (made_dir) {
    fs::remove_all(dir, ec);
    return;
  }
  for (const char* f : {"/data.mdb", "/lock.mdb"}) fs::remove(dir + f, ec);
}

int64_t SystemClockMicros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

mode_t DirectoryMode(uint32_t file_mode) {
  return static_cast<mode_t>((file_mode & 0777) | ((file_mode & 0444) >> 2));
}

}  // namespace internal

using namespace internal;

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() {
  if (impl_ && impl_->env.handle()) impl_->CloseJournal();
}
const std::string& Engine::dir() const { return impl_->dir; }
const std::vector<std::shared_ptr<Projection>>& Engine::projections() const {
  return impl_->projections;
}

Result<std::unique_ptr<Engine>> Engine::Open(const std::string& dir, Options options) {
  bool fresh = false, made_dir = false;
  auto opened = Guard([&]() -> Result<std::unique_ptr<Engine>> {
    if (dir.empty()) return Status::InvalidInput("the store's path is empty");
    if (dir.find('\0') != std::string::npos)
      return Status::InvalidInput("the store's path holds a NUL byte");
    if (Status st = CheckDirectory(dir, options, &fresh, &made_dir); !st.ok()) return st;
    auto s = std::make_unique<Impl>();
    s->dir = dir;
    s->commit_watch.Watch(dir + "/data.mdb");
    s->ship_watch.Watch(dir + "/shipped");
    s->options = std::move(options);
    if (!s->options.clock) s->options.clock = SystemClockMicros;
    // Those compiled in come first, as if the embedder had listed them.
    s->projections = CompiledInProjections();
    s->projections.insert(s->projections.end(), s->options.projections.begin(),
                          s->options.projections.end());
    if (Status st = DeclareProjections(*s); !st.ok()) return st;
    s->env = lmdb::env::create();
    lmdb::env_set_max_dbs(s->env.handle(), kMaxLmdbDbs);
    lmdb::env_set_mapsize(s->env.handle(), s->options.initial_map_size);
    // LMDB never syncs: the journal and its checkpoints make commits
    // durable (engine/durability.cc).
    unsigned flags = MDB_NOTLS | MDB_NOSYNC;
    if (s->options.read_only) flags |= MDB_RDONLY;
    const mode_t file_mode = s->options.file_mode & 0777;
    bool needs_writer = false;
    if (Status st = s->OpenJournal(&needs_writer); !st.ok()) return st;
    if (needs_writer) {
      // A read-only engine finds a journal to recover: a writable one does
      // that, and is closed again, where the files may be written.
      Options writer = s->options;
      writer.read_only = false;
      auto recovered = Engine::Open(dir, writer);
      if (!recovered.ok()) {
        return Status::IOError("cannot open " + dir +
                               " read-only: it must first be recovered from its journal "
                               "(after a power loss or a killed writer), which failed: " +
                               recovered.status().ToString());
      }
      recovered->reset();
      if (Status st = s->OpenJournal(&needs_writer); !st.ok()) return st;
      if (needs_writer)  // another writer died meanwhile: let the caller try again
        return Status::Busy(dir + " needs a recovery from its journal again; try again");
    }
    // Before LMDB maps the file: a short or damaged one would crash it.
    if (auto problem = CheckMetaPages(dir + "/data.mdb"))
      return Status::Corruption(dir + "/data.mdb is damaged: " + *problem);
    if (Status st = PreallocateLockFile(dir, file_mode, s->options.read_only); !st.ok())
      return st;
    if (fresh) CreateDataFile(dir, file_mode, s->options.initial_map_size);
    int rc = mdb_env_open(s->env.handle(), dir.c_str(), flags, file_mode);
    if (rc == MDB_INVALID) {
      return Status::NotAStore(dir +
                               "/data.mdb is not an annal store (not an LMDB file)");
    }
    if (rc == MDB_VERSION_MISMATCH) {
      return Status::Incompatible(dir + " was written by an incompatible LMDB version");
    }
    if (rc == EACCES) {
      // Most often a read-only copy: even a reader writes LMDB's lock file.
      const std::string lock = dir + "/lock.mdb";
      const bool lock_writable =
          ::access(lock.c_str(), W_OK) == 0 ||
          (::access(lock.c_str(), F_OK) != 0 && ::access(dir.c_str(), W_OK) == 0);
      return Status::IOError("cannot open " + dir + ": " + std::strerror(rc) +
                             (lock_writable
                                  ? std::string(" (data.mdb)")
                                  : " (" + lock +
                                        " must be writable, even to read: LMDB's readers "
                                        "register there; give this user write access to "
                                        "it, or read a copy made with `annal backup`)"));
    }
    if (rc != MDB_SUCCESS) lmdb::error::raise("mdb_env_open", rc);
    int dead = 0;
    mdb_reader_check(s->env.handle(), &dead);
    if (dead > 0) Log().info("cleared {} stale reader slot(s) in {}", dead, dir);
    if (!fresh && s->options.check_pages) {
      Status pages = s->RetryingOnMapFull([&] {
        if (auto problem = CheckPages(s->env.handle()))
          return Status::Corruption(dir + "/data.mdb is damaged: " + *problem);
        return Status::Ok();
      });
      if (!pages.ok()) return pages;
    }
    if (!s->options.read_only && !s->journal) {
      s->journal = Journal::Open(dir, true, file_mode);
      s->journal->LockShared();
    }
    s->StartRecovery();
    // Another process may grow the map between mdb_env_open and the first
    // transaction (MDB_MAP_RESIZED): adopt its size and open again.
    if (Status st = s->RetryingOnMapFull([&] { return OpenSubDatabases(*s, fresh); });
        !st.ok()) {
      return st;
    }
    if (Status st = s->FinishRecovery(); !st.ok()) return st;
    if (fresh) {
      // The umask must not narrow (or the caller's mode widen) what was asked.
      for (const char* f : {"/data.mdb", "/lock.mdb"})
        ::chmod((dir + f).c_str(), file_mode);
    }
    Log().debug("opened {} ({})", dir, fresh ? "new" : "existing");
    auto engine = std::unique_ptr<Engine>(new Engine(std::move(s)));
    if (Status st = BuildDeclaredProjections(*engine->impl_, *engine); !st.ok())
      return st;
    if (engine->impl_->options.rebuild_stale_on_open &&
        !engine->impl_->options.read_only) {
      std::vector<StaleProjection> stale;
      Impl& impl = *engine->impl_;
      Status read = impl.RetryingOnMapFull([&] {
        Txn txn(impl.env.handle(), Txn::kReadOnly);
        stale = impl.StaleIn(txn.handle(), LiveSlot(txn.handle(), impl.meta()));
        return Status::Ok();
      });
      if (!read.ok()) return read;
      if (!stale.empty()) {
        Log().info("{}: rebuilding on open", stale.front().message);
        if (Status st = engine->Rebuild(); !st.ok()) return st;
      }
    }
    return engine;
  });
  if (!opened.ok() && fresh && opened.status().code() == Status::Code::kIOError)
    RemoveCreated(dir, made_dir);
  return opened;
}

uint64_t Engine::Impl::MaskOf(const std::vector<StaleProjection>& stale) const {
  uint64_t mask = 0;
  for (const StaleProjection& p : stale) mask |= MaskOwnedBy(p.name);
  return mask;
}

std::vector<StaleProjection> Engine::Impl::StaleIn(MDB_txn* txn, size_t slot) {
  MutexLock lock(versions_mutex);
  auto raw = GetInPlace(txn, meta(), keys::SlotName(meta_key::kVersions, slot));
  std::string_view recorded = raw ? *raw : std::string_view();
  if (slot != checked_slot || recorded != checked_versions) {
    stale = StaleProjections(code_versions, SlotVersions(txn, meta(), slot));
    checked_slot = slot;
    checked_versions = recorded;
  }
  return stale;
}

EngineStats Engine::Stats() const {
  MDB_envinfo info;
  MDB_stat st;
  mdb_env_info(impl_->env.handle(), &info);
  mdb_env_stat(impl_->env.handle(), &st);
  EngineStats stats;
  stats.map_size = info.me_mapsize;
  stats.map_growths = impl_->growths.load();
  stats.used_bytes = static_cast<uint64_t>(info.me_last_pgno + 1) * st.ms_psize;
  const auto& c = impl_->counters;
  stats.append_batches = c.batches.load(std::memory_order_relaxed);
  stats.append_events = c.events.load(std::memory_order_relaxed);
  stats.rejected_batches = c.rejected.load(std::memory_order_relaxed);
  stats.commits = c.commits.load(std::memory_order_relaxed);
  stats.commit_seconds_sum = c.commit_nanos.load(std::memory_order_relaxed) / 1e9;
  for (size_t i = 0; i < stats.commits_within.size(); ++i)
    stats.commits_within[i] = c.within[i].load(std::memory_order_relaxed);
  for (size_t i = 0; i < stats.groups_within.size(); ++i)
    stats.groups_within[i] = c.groups_within[i].load(std::memory_order_relaxed);
  stats.checkpoints = c.checkpoints.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace annal
