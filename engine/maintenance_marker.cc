// The maintenance lock file's text: "kind K\nbuilding A,B\ndone N\ntotal M\n",
// rewritten in place with each report.
#include "engine/maintenance_marker.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>

namespace annal::internal {
namespace {

// Padded to a fixed length so a rewrite never leaves the tail of a longer
// earlier text behind, and one pwrite replaces the whole.
constexpr size_t kWidth = 512;

std::string Text(const MaintenanceInProgress& m) {
  std::string text = "kind " + m.kind + "\nbuilding ";
  for (size_t i = 0; i < m.building.size(); ++i) text += (i ? "," : "") + m.building[i];
  text += "\ndone " + std::to_string(m.progress.done) + "\ntotal " +
          std::to_string(m.progress.total) + "\n";
  if (text.size() < kWidth) text.resize(kWidth, ' ');
  return text;
}

uint64_t Number(std::string_view v) {
  uint64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

MaintenanceInProgress Parse(std::string_view text) {
  MaintenanceInProgress m;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? "" : text.substr(eol + 1);
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, sp);
    std::string_view value = line.substr(sp + 1);
    if (name == "kind") {
      m.kind = value;
    } else if (name == "building") {
      while (!value.empty()) {
        const size_t comma = value.find(',');
        m.building.emplace_back(value.substr(0, comma));
        value = comma == std::string_view::npos ? "" : value.substr(comma + 1);
      }
    } else if (name == "done") {
      m.progress.done = Number(value);
    } else if (name == "total") {
      m.progress.total = Number(value);
    }
  }
  return m;
}

}  // namespace

MaintenanceMarker::MaintenanceMarker(int fd, std::string kind,
                                     std::vector<std::string> building)
    : fd_(fd) {
  state_.kind = std::move(kind);
  state_.building = std::move(building);
  Report({});
}

void MaintenanceMarker::Report(const ReplayProgress& progress) {
  state_.progress = progress;
  const std::string text = Text(state_);
  // Best effort: a status that cannot be told is no reason to stop a rebuild.
  (void)!::pwrite(fd_, text.data(), text.size(), 0);
}

std::optional<MaintenanceInProgress> ReadMaintenanceMarker(const std::string& dir) {
  const int fd = ::open((dir + "/maintenance.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // nothing ever held it
  std::optional<MaintenanceInProgress> running;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    char buf[2 * kWidth];
    const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    running = Parse(std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0));
    if (running->kind.empty()) running->kind = "verify or rebuild";  // not told yet
  }
  ::close(fd);
  return running;
}

}  // namespace annal::internal
