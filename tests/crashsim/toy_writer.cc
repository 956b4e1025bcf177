// The crash simulator's test double (README.md): a log of fixed-size records
// in one file, written right (each record synced before it is acknowledged
// and published) or wrong (acknowledged, or published, first), so that the
// simulator can be shown to catch the wrong one and pass the right one.
//
//   toy_writer DIR RECORDS [ack-before-sync|publish-before-sync]
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/crashsim/toy_log.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr,
            "usage: toy_writer DIR RECORDS [ack-before-sync|publish-before-sync]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/toy.log";
  const size_t records = std::strtoul(argv[2], nullptr, 10);
  const bool ack_early = argc > 3 && strcmp(argv[3], "ack-before-sync") == 0;
  const bool publish_early = argc > 3 && strcmp(argv[3], "publish-before-sync") == 0;
  auto note =
      reinterpret_cast<void (*)(const char*)>(dlsym(RTLD_DEFAULT, "annal_crashrec_note"));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 1;
  // Made durable before the first record: its creation and empty size.
  if (::fsync(fd) != 0) return 1;
  for (size_t n = 0; n < records; ++n) {
    const std::string record = annal::crashsim::ToyRecord(n);
    const off_t at = static_cast<off_t>(n * annal::crashsim::kToyRecordBytes);
    if (::pwrite(fd, record.data(), record.size(), at) !=
        static_cast<ssize_t>(record.size()))
      return 1;
    const std::string ack = "ack " + std::to_string(n);
    const std::string published = "published " + std::to_string(n);
    if (ack_early && note) note(ack.c_str());
    if (publish_early && note) note(published.c_str());
    if (::fdatasync(fd) != 0) return 1;
    if (!ack_early && note) note(ack.c_str());
    if (!publish_early && note) note(published.c_str());
  }
  return ::close(fd) == 0 ? 0 : 1;
}
