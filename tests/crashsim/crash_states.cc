#include "tests/crashsim/crash_states.h"

#include <algorithm>
#include <set>

namespace annal::crashsim {
namespace {

constexpr uint64_t kBlock = 4096, kSector = 512;

// One file as the crash finds it: what is durable, and the operations since.
struct FileTrack {
  std::optional<std::string> durable;  // nullopt: not (yet) durably there
  std::vector<const Op*> pending;      // writes and truncations since its last sync
  bool exists = false;                 // in the page cache, at least
};

void Apply(std::string& image, const Op& op) {
  if (op.kind == OpKind::kTruncate) {
    image.resize(op.offset);
    return;
  }
  if (image.size() < op.offset + op.data.size()) image.resize(op.offset + op.data.size());
  std::copy(op.data.begin(), op.data.end(),
            image.begin() + static_cast<ptrdiff_t>(op.offset));
}

// `keep(op, block)`: whether the part of `op` in `block` reached the disk.
template <class Keep>
std::string Image(const FileTrack& f, Keep keep) {
  std::string image = f.durable.value_or("");
  for (const Op* op : f.pending) {
    if (op->kind == OpKind::kTruncate) {
      if (op->offset > image.size()) image.resize(op->offset);  // a grown size may stay
      continue;
    }
    if (image.size() < op->offset + op->data.size())
      image.resize(op->offset + op->data.size());
    for (uint64_t at = op->offset; at < op->offset + op->data.size();) {
      const uint64_t end =
          std::min(op->offset + op->data.size(), (at / kBlock + 1) * kBlock);
      if (keep(*op, at / kBlock)) {
        std::copy(op->data.begin() + static_cast<ptrdiff_t>(at - op->offset),
                  op->data.begin() + static_cast<ptrdiff_t>(end - op->offset),
                  image.begin() + static_cast<ptrdiff_t>(at));
      }
      at = end;
    }
  }
  return image;
}

std::string AllOf(const FileTrack& f) {
  std::string image = f.durable.value_or("");
  for (const Op* op : f.pending) Apply(image, *op);
  return image;
}

class Explorer {
 public:
  Explorer(const Recording& r, const ExploreOptions& o,
           const std::function<void(const CrashState&)>& visit)
      : r_(r),
        o_(o),
        visit_(visit),
        rng_(o.seed),
        files_(r.files.size()),
        name_(r.files.size()),
        durable_name_(r.files.size()) {}

  size_t Run() {
    for (size_t i = 0; i < r_.ops.size(); ++i) {
      const Op& op = r_.ops[i];
      if (op.kind == OpKind::kNote) {  // names no file
        if (o_.at_notes) StatesAt(i);
        continue;
      }
      FileTrack& f = files_[op.file];
      switch (op.kind) {
        case OpKind::kCreate:
          f.exists = true;
          name_[op.file] = r_.files[op.file];
          break;
        case OpKind::kWrite:
        case OpKind::kTruncate:
          if (!f.exists &&
              !f.durable) {  // there before the run (README: runs start empty)
            f.durable = std::string();
            durable_name_[op.file] = name_[op.file] = r_.files[op.file];
          }
          f.exists = true;
          f.pending.push_back(&op);
          break;
        case OpKind::kDurableWrite:
          if (!f.durable) f.durable = std::string();
          if (durable_name_[op.file].empty()) durable_name_[op.file] = name_[op.file];
          Apply(*f.durable, op);
          f.pending.push_back(&op);  // and in the cache, in order with the rest
          break;
        case OpKind::kRename:
          StatesAt(i);
          renames_.push_back({op.file, op.data});
          Rename(name_, op.file, op.data);
          break;
        case OpKind::kSync:
          StatesAt(i);
          if (r_.files[op.file] == kDirectory) {
            for (size_t id = 0; id < files_.size(); ++id) {
              if (!files_[id].exists) continue;
              if (!files_[id].durable) files_[id].durable = std::string();
            }
            durable_name_ = name_;
            renames_.clear();
          } else {
            Settle(f, op.offset);
            if (durable_name_[op.file].empty() && !name_[op.file].empty() &&
                std::find(durable_name_.begin(), durable_name_.end(), name_[op.file]) ==
                    durable_name_.end())
              durable_name_[op.file] = name_[op.file];
          }
          break;
        case OpKind::kNote:       // above
        case OpKind::kFile:       // declarations: not in Recording::ops
        case OpKind::kSyncBegin:  // folded into its kSync by ReadRecording
          break;
      }
    }
    StatesAt(r_.ops.size());
    return count_;
  }

 private:
  // A sync of `f` that covers the operations before index `covered`: a
  // write another process made while the sync ran is left pending.
  void Settle(FileTrack& f, uint64_t covered) {
    std::string image = f.durable.value_or("");
    std::vector<const Op*> after;
    for (const Op* op : f.pending) {
      if (static_cast<uint64_t>(op - r_.ops.data()) < covered) {
        Apply(image, *op);
      } else {
        after.push_back(op);
      }
    }
    f.durable = std::move(image);
    f.pending = std::move(after);
  }

  // `names` (by file id): `id` now holds `to`, and a file that held it is gone.
  static void Rename(std::vector<std::string>& names, uint32_t id,
                     const std::string& to) {
    for (std::string& n : names)
      if (n == to) n.clear();
    names[id] = to;
  }

  // A state whose directory holds the durable names with the first
  // `renames` of those since the last sync of the directory applied, and
  // whose files hold `content(id)`. A file that has no durable name yet
  // keeps its name when its content is there ("all": every name as now).
  void Emit(size_t point, std::string how, size_t renames,
            const std::function<std::optional<std::string>(size_t file)>& content) {
    std::vector<std::string> names = durable_name_;
    if (renames >= renames_.size()) {
      names = name_;
    } else {
      for (size_t k = 0; k < renames; ++k)
        Rename(names, renames_[k].first, renames_[k].second);
    }
    CrashState s{point, std::move(how), {}};
    for (size_t id = 0; id < files_.size(); ++id) {
      std::string name = names[id];
      if (name.empty() && durable_name_[id].empty() && !name_[id].empty() &&
          std::find(names.begin(), names.end(), name_[id]) == names.end())
        name = name_[id];
      if (name.empty() || name == kDirectory) continue;
      if (auto bytes = content(id)) s.files[name] = std::move(*bytes);
    }
    visit_(s);
    ++count_;
  }

  void StatesAt(size_t point) {
    if (o_.final_only && point < r_.ops.size()) return;
    const size_t renames = renames_.size();
    Emit(point, "none", 0, [&](size_t i) { return files_[i].durable; });
    Emit(point, "all", renames, [&](size_t i) -> std::optional<std::string> {
      if (!files_[i].exists && !files_[i].durable) return std::nullopt;
      return AllOf(files_[i]);
    });
    size_t most = 0;
    for (const FileTrack& f : files_) most = std::max(most, f.pending.size());
    if ((most == 0 && renames == 0) || o_.final_only) return;
    // Prefixes: the unsynced writes reached the disk in order, up to some.
    for (size_t k = 1; k <= o_.prefixes && (most > 1 || renames > 1); ++k) {
      const double share = static_cast<double>(k) / static_cast<double>(o_.prefixes + 1);
      Emit(point, "prefix " + std::to_string(k) + "/" + std::to_string(o_.prefixes + 1),
           static_cast<size_t>(share * static_cast<double>(renames)),
           [&](size_t i) -> std::optional<std::string> {
             const FileTrack& f = files_[i];
             const size_t n =
                 static_cast<size_t>(share * static_cast<double>(f.pending.size()));
             if (!f.durable && n == 0)
               return std::nullopt;  // nothing of it reached the disk
             FileTrack cut = f;
             cut.pending.resize(n);
             return AllOf(cut);
           });
    }
    // Blocks: each block holds its durable bytes or those of any of the
    // writes to it since, the later ones over the earlier ones.
    for (size_t k = 0; k < o_.random_blocks; ++k) {
      Emit(point, "blocks", rng_() % (renames + 1),
           [&](size_t i) -> std::optional<std::string> {
             const FileTrack& f = files_[i];
             if (f.pending.empty()) return f.durable;
             if (!f.durable && rng_() % 4 == 0) return std::nullopt;
             std::map<uint64_t, size_t> writes_to, kept;
             for (const Op* op : f.pending) {
               if (op->kind == OpKind::kTruncate) continue;
               for (uint64_t b = op->offset / kBlock;
                    b * kBlock < op->offset + op->data.size(); ++b)
                 ++writes_to[b];
             }
             for (auto& [b, n] : writes_to) kept[b] = rng_() % (n + 1);
             std::map<uint64_t, size_t> seen;
             return Image(f, [&](const Op&, uint64_t b) { return ++seen[b] <= kept[b]; });
           });
    }
    // Torn: as "all", but one block written since the last sync holds some
    // of its sectors new and the others as they were.
    for (size_t k = 0; k < o_.torn; ++k) {
      Emit(point, "torn", renames, [&](size_t i) -> std::optional<std::string> {
        const FileTrack& f = files_[i];
        if (f.pending.empty()) return f.durable;
        std::string all = AllOf(f);
        const std::string before = f.durable.value_or("");
        std::set<uint64_t> touched;
        for (const Op* op : f.pending)
          if (op->kind != OpKind::kTruncate && !op->data.empty())
            touched.insert(op->offset / kBlock);
        if (touched.empty()) return all;
        auto it = touched.begin();
        std::advance(it, static_cast<ptrdiff_t>(rng_() % touched.size()));
        for (uint64_t s = *it * kBlock; s < (*it + 1) * kBlock && s < all.size();
             s += kSector) {
          if (rng_() % 2) continue;  // this sector made it
          for (uint64_t b = s; b < s + kSector && b < all.size(); ++b)
            all[b] = b < before.size() ? before[b] : '\0';
        }
        return all;
      });
    }
  }

  const Recording& r_;
  const ExploreOptions& o_;
  const std::function<void(const CrashState&)>& visit_;
  std::mt19937_64 rng_;
  std::vector<FileTrack> files_;                  // by file id
  std::vector<std::string> name_, durable_name_;  // by file id; "": none
  std::vector<std::pair<uint32_t, std::string>>
      renames_;  // since the directory's last sync
  size_t count_ = 0;
};

}  // namespace

CrashState FinalState(const Recording& r) {
  ExploreOptions o;
  o.final_only = true;
  CrashState final;
  Explorer(r, o, [&](const CrashState& s) {
    if (s.how == "all") final = s;
  }).Run();
  return final;
}

size_t ExploreCrashStates(const Recording& r, const ExploreOptions& options,
                          const std::function<void(const CrashState&)>& visit) {
  return Explorer(r, options, visit).Run();
}

}  // namespace annal::crashsim
