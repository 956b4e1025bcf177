#include "python/src/store_core.h"

#include <unistd.h>

#include <filesystem>
#include <map>

namespace annal::binding {
namespace {

// The stores open in this process, by real path, with the pid that opened
// them (a child after fork() inherits its parent's entries and ignores
// them). Opening one LMDB environment twice in a process breaks its locks
// (closing either releases the other's), so a second open is refused. An
// entry goes only once its environment is closed, so a store being closed
// (or collected) on another thread is never open twice either.
std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, pid_t>& Registry() {
  static std::map<std::string, pid_t> open;
  return open;
}

std::string RealPath(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(dir), ec);
  return ec ? dir : p.string();
}

}  // namespace

void ThrowStatus(Status status, std::string event_type) {
  throw StatusError{std::move(status), std::move(event_type)};
}

void ThrowMisuse(const std::string& message) {
  throw StatusError{Status::InvalidInput(message), {}, true};
}

std::shared_ptr<StoreCore> StoreCore::Open(const std::string& dir,
                                           const Options& options) {
  const std::string key = RealPath(dir);
  std::lock_guard lock(RegistryMutex());
  auto& open = Registry();
  if (auto it = open.find(key); it != open.end() && it->second == getpid()) {
    ThrowStatus(Status::Busy("store " + key +
                             " is already open in this process: use that Store "
                             "object (LMDB allows one environment per process)"));
  }
  auto engine = Engine::Open(dir, options);
  if (!engine.ok()) ThrowStatus(engine.status());
  std::shared_ptr<StoreCore> core(new StoreCore(key, std::move(*engine)));
  open[key] = getpid();
  return core;
}

StoreCore::StoreCore(std::string dir, std::unique_ptr<Engine> engine)
    : dir_(std::move(dir)), owner_pid_(getpid()), engine_(std::move(engine)) {}

StoreCore::~StoreCore() {
  if (in_owner_process()) {
    Close();
  } else {
    (void)engine_.release();  // the parent's: never close it from a child
  }
}

bool StoreCore::in_owner_process() const { return getpid() == owner_pid_; }

void StoreCore::CheckProcess() const {
  if (!in_owner_process()) {
    ThrowMisuse("store " + dir_ + " was opened by process " + std::to_string(owner_pid_) +
                "; an LMDB store must not cross fork(): open it again in this process");
  }
}

StoreCore::Use::Use(StoreCore& core) : core_(core) {
  core_.CheckProcess();
  std::lock_guard lock(core_.use_mu_);
  if (!core_.engine_ || core_.closing_) ThrowMisuse("store " + core_.dir_ + " is closed");
  engine_ = core_.engine_.get();
  ++core_.in_use_;
}

StoreCore::Use::~Use() {
  std::lock_guard lock(core_.use_mu_);
  if (--core_.in_use_ == 0) core_.use_done_.notify_all();
}

bool StoreCore::closed() const {
  return closing_;  // lock-free: WithView asks while holding a view's lock
}

void StoreCore::EndSnapshots() {
  std::lock_guard slots(slots_mu_);
  for (SnapshotSlot* slot : slots_) {
    std::lock_guard view(slot->mu);
    slot->view.reset();
  }
  slots_.clear();
}

void StoreCore::Close() {
  if (!in_owner_process()) return;  // the child forgets; the parent closes
  // Views end before the wait: an open view holds the engine's map lock,
  // which a call in flight (an append growing the map) may be waiting for.
  {
    std::lock_guard lock(use_mu_);
    closing_ = true;
  }
  EndSnapshots();
  std::unique_ptr<Engine> engine;
  {
    std::unique_lock lock(use_mu_);
    use_done_.wait(lock, [&] { return in_use_ == 0; });
    engine = std::move(engine_);
  }
  if (!engine) return;  // another thread closed it
  EndSnapshots();       // any that a call in flight opened meanwhile
  engine.reset();
  std::lock_guard reg(RegistryMutex());
  auto& open = Registry();
  if (auto it = open.find(dir_); it != open.end() && it->second == owner_pid_) {
    open.erase(it);
  }
}

void StoreCore::Register(SnapshotSlot* slot) {
  std::lock_guard lock(slots_mu_);
  slots_.insert(slot);
}

void StoreCore::Unregister(SnapshotSlot* slot) {
  std::lock_guard lock(slots_mu_);
  slots_.erase(slot);
}

}  // namespace annal::binding
