#include "tests/crashsim/recording.h"

#include <fstream>
#include <stdexcept>

namespace annal::crashsim {

Recording ReadRecording(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the recording " + path);
  Recording r;
  OpHeader h;
  while (in.read(reinterpret_cast<char*>(&h), sizeof h)) {
    Op op{static_cast<OpKind>(h.kind), h.file, h.offset, std::string(h.size, '\0')};
    if (h.size > (1ull << 32) ||
        !in.read(op.data.data(), static_cast<std::streamsize>(h.size)))
      throw std::runtime_error(path + ": truncated operation");
    if (op.kind == OpKind::kFile) {
      if (op.file != r.files.size())
        throw std::runtime_error(path + ": files out of order");
      r.files.push_back(op.data);
      continue;
    }
    if (op.kind < OpKind::kCreate || op.kind > OpKind::kRename)
      throw std::runtime_error(path + ": unknown operation " + std::to_string(h.kind));
    if (op.kind != OpKind::kNote && op.file >= r.files.size())
      throw std::runtime_error(path + ": an operation on an undeclared file");
    r.ops.push_back(std::move(op));
  }
  return r;
}

}  // namespace annal::crashsim
