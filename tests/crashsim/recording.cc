#include "tests/crashsim/recording.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

namespace annal::crashsim {
namespace {

// Gives the files of several recording processes one id each: a process's
// declaration of a name is the file that holds that name now.
class FileIds {
 public:
  explicit FileIds(Recording& r) : r_(r) {}

  void Declare(uint32_t raw, const std::string& name) {
    auto it = std::find(current_.begin(), current_.end(), name);
    if (it != current_.end()) {
      ids_[raw] = static_cast<uint32_t>(it - current_.begin());
      return;
    }
    ids_[raw] = static_cast<uint32_t>(r_.files.size());
    r_.files.push_back(name);
    current_.push_back(name);
  }
  // The file's id, or throws for an undeclared one.
  uint32_t Of(uint32_t raw, const std::string& path) const {
    auto it = ids_.find(raw);
    if (it == ids_.end())
      throw std::runtime_error(path + ": an operation on an undeclared file");
    return it->second;
  }
  void Renamed(uint32_t id, const std::string& to) {
    for (std::string& n : current_)
      if (n == to) n.clear();
    current_[id] = to;
  }

 private:
  Recording& r_;
  std::map<uint32_t, uint32_t> ids_;  // raw (per process) -> id
  std::vector<std::string> current_;  // by id: its name now
};

}  // namespace

Recording ReadRecording(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the recording " + path);
  Recording r;
  FileIds ids(r);
  std::map<uint32_t, size_t> sync_began;  // raw id -> ops.size() at its kSyncBegin
  OpHeader h;
  while (in.read(reinterpret_cast<char*>(&h), sizeof h)) {
    Op op{static_cast<OpKind>(h.kind), h.file, h.offset, std::string(h.size, '\0')};
    if (h.size > (1ull << 32) ||
        !in.read(op.data.data(), static_cast<std::streamsize>(h.size)))
      throw std::runtime_error(path + ": truncated operation");
    if (op.kind == OpKind::kFile) {
      ids.Declare(h.file, op.data);
      continue;
    }
    if (op.kind < OpKind::kCreate || op.kind > OpKind::kSyncBegin)
      throw std::runtime_error(path + ": unknown operation " + std::to_string(h.kind));
    if (op.kind == OpKind::kNote) {
      r.ops.push_back(std::move(op));
      continue;
    }
    op.file = ids.Of(h.file, path);
    if (op.kind == OpKind::kSyncBegin) {
      sync_began[h.file] = r.ops.size();
      continue;
    }
    if (op.kind == OpKind::kSync) {
      auto began = sync_began.find(h.file);
      op.offset = began == sync_began.end() ? r.ops.size() : began->second;
      if (began != sync_began.end()) sync_began.erase(began);
    }
    if (op.kind == OpKind::kRename) ids.Renamed(op.file, op.data);
    r.ops.push_back(std::move(op));
  }
  return r;
}

}  // namespace annal::crashsim
