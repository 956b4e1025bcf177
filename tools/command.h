// What every `annal` subcommand shares: the global flags and the shape of a
// command (one file per command registers itself on the CLI11 app).
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annal/engine.h"

namespace annal::cli {

struct Globals {
  std::string db;
  bool verbose = false;
  bool allow_other_owner = false;
  std::vector<std::string> plugins;  // --plugin PATH.so, in order
  // Their projections and upcasters, loaded before the command runs; every
  // store the command opens registers them (OpenOrReport).
  std::vector<std::shared_ptr<Projection>> projections;
  std::vector<Upcaster> upcasters;
};

// Exit codes: 0 done, 1 the work failed (a rejected event, a refused store),
// 2 the command could not run as asked (usage) or on what it found (a
// damaged store).
// 3: `import --wait-for-ship` ran out: committed, not yet on the stream.
inline constexpr int kOk = 0, kFailed = 1, kUsage = 2, kNotShipped = 3;

// Ends a command with `code` once its reason is printed (caught in main).
struct CommandExit {
  int code;
};

// Prints "annal COMMAND: what went wrong" and returns the exit code for it:
// 2 for a damaged store, `invalid_input` for kInvalidInput, else 1.
int Report(const char* command, const Status& st, int invalid_input = kFailed);

using Run = std::function<int()>;

// A command: adds its subcommand to `app` and returns what runs it. Each
// cmd_*.cc registers its own with ANNAL_COMMAND; the build takes every
// cmd_*.cc (tools/CMakeLists.txt), so a new command is one new file.
using AddCommand = Run (*)(CLI::App& app, const Globals& g);
struct CommandRegistration {
  CommandRegistration(std::string_view name, AddCommand add);
};
// The registered commands by name (the order of `annal --help`).
const std::map<std::string_view, AddCommand>& Commands();
#define ANNAL_COMMAND(NAME, ADD) \
  static const ::annal::cli::CommandRegistration kCommand_##ADD(NAME, &ADD)

// Checks for numeric options (tools/number_checks.cc): decimal digits within
// [min, max], the bounds named in the refusal; no sign, space or wrap-around.
CLI::Validator Decimal(uint64_t min, uint64_t max);
CLI::Validator SignedDecimal(int64_t min, int64_t max);

// Opens the store named by --db; when it cannot, prints why to stderr and
// throws CommandExit (2 for a damaged store).
std::unique_ptr<Engine> OpenOrReport(const Globals& g, Options options);

// A read-only store and one snapshot of it (destroyed before the store).
struct ReadView {
  std::unique_ptr<Engine> engine;
  std::optional<Snapshot> snapshot;
};
// Opens --db read-only and takes a snapshot; throws CommandExit (reported
// as `command` on stderr) when either fails.
ReadView OpenForReading(const Globals& g, const char* command);

// A write to stdout failed (errno `error`): the command ends, exit 1.
struct OutputError {
  int error;
};

// Writes to stdout in large blocks; a failed write throws OutputError, so
// that a command printing to a full disk stops at once.
class Out {
 public:
  ~Out();
  std::string& buf() { return buf_; }
  void EndLine() {
    buf_ += '\n';
    if (buf_.size() > (1 << 16)) Flush();
  }
  void Flush();

 private:
  std::string buf_;
};

}  // namespace annal::cli
