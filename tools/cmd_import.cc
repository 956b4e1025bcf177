// annal --db DIR import FILE|- [--batch N]: append JSONL events, N per write
// transaction. On a bad line: exit 1, name the line and the rule, and say how
// many events the earlier batches committed (those stay committed). From a
// file, one thread parses while another commits (docs/performance.md).
#include <fmt/core.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "annal/jsonl.h"
#include "common/handoff.h"
#include "tools/command.h"
#include "tools/line_reader.h"

namespace annal::cli {
namespace {

constexpr int kIdleFlushMs = 200;

// A ts of 10^9 to 10^14 microseconds falls in 1970-1973; as seconds or
// milliseconds it would be 2001-5138: almost surely a unit mistake.
bool LooksLikeSecondsOrMillis(const std::optional<int64_t>& ts) {
  return ts && *ts >= 1'000'000'000 && *ts < 100'000'000'000'000;
}

struct ImportFlags {
  std::string file;
  size_t batch = 1000;
  bool no_sync = false;
  bool deferred = false;
  int64_t wait_for_ship_ms = 0;
};

// A batch as the parsing stage hands it to the committing one: events from
// consecutive lines, or the line that stopped the input (nothing of its
// batch is written).
struct ParsedBatch {
  std::vector<Event> events;
  std::vector<uint64_t> lines;  // line number of each event
  std::optional<std::pair<uint64_t, Status>> error;
};

// The parsing stage: reads lines and hands each full batch (and, from a live
// pipe, the partial batch once the input pauses) to `emit`, which answers
// false to stop.
void ParseLines(LineReader& reader, size_t batch_size,
                const std::function<bool(ParsedBatch&&)>& emit) {
  // From a live pipe, a partial batch is committed once the input pauses.
  const int idle_ms = reader.IsLive() ? kIdleFlushMs : -1;
  JsonDecoder decoder;
  ParsedBatch batch;
  std::string line;
  uint64_t line_no = 0;
  bool warned_ts = false;
  auto stop = [&](Status st) {
    batch.error.emplace(line_no, std::move(st));
    emit(std::move(batch));
  };
  for (LineRead got; (got = reader.Next(line, batch.events.empty() ? -1 : idle_ms)) !=
                     LineRead::kEnd;) {
    if (got == LineRead::kIdle) {
      if (!emit(std::exchange(batch, {}))) return;
      continue;
    }
    ++line_no;
    if (got == LineRead::kError)
      return stop(Status::IOError(std::string("read error: ") + std::strerror(errno)));
    if (got == LineRead::kTooLong) {
      return stop(Status::InvalidInput("the line is longer than " +
                                       std::to_string(kMaxLineBytes >> 20) +
                                       " MiB, more than any event can be"));
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    auto ev = decoder.Decode(line);
    if (!ev.ok()) return stop(ev.status());
    if (!warned_ts && LooksLikeSecondsOrMillis(ev->ts)) {
      warned_ts = true;
      std::cerr << "annal import: line " << line_no << ": ts " << *ev->ts
                << " is within 1973: ts counts microseconds since 1970; is it in seconds "
                   "or milliseconds? (warned once)\n";
    }
    batch.events.push_back(std::move(ev.value()));
    batch.lines.push_back(line_no);
    if (batch.events.size() >= batch_size && !emit(std::exchange(batch, {}))) return;
  }
  if (!batch.events.empty()) emit(std::move(batch));
}

// Runs the parsing stage on a thread of its own while this one commits (a
// file: the next batch is parsed while the last one commits and syncs), or
// inline (a live pipe, whose reads may block for ever: a thread stuck there
// could not be joined when the commit side stops).
void ParseAhead(LineReader& reader, size_t batch_size,
                const std::function<bool(ParsedBatch&&)>& commit) {
  if (reader.IsLive()) return ParseLines(reader, batch_size, commit);
  internal::Handoff<ParsedBatch> parsed(2);
  std::thread parsing([&] {
    ParseLines(reader, batch_size,
               [&](ParsedBatch&& b) { return parsed.Put(std::move(b)); });
    parsed.Finish();
  });
  // Joined on every way out, a throw from `commit` included.
  struct Joined {
    internal::Handoff<ParsedBatch>& parsed;
    std::thread& parsing;
    ~Joined() {
      parsed.Close();
      parsing.join();
    }
  } joined{parsed, parsing};
  while (auto b = parsed.Take()) {
    if (!commit(std::move(*b))) break;
  }
}

int Import(const Globals& g, const ImportFlags& f) {
  std::FILE* in = stdin;
  if (f.file != "-") {
    in = std::fopen(f.file.c_str(), "rb");
    if (!in) {
      std::cerr << "annal import: cannot open " << f.file << ": " << std::strerror(errno)
                << "\n";
      return kFailed;
    }
  }
  // Closed on every return; stdin is left to the process.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in == stdin ? nullptr : in,
                                                         std::fclose);
  Options options;
  options.sync = !f.no_sync;
  if (f.deferred) options.mode = Mode::kDeferred;
  options.wait_for_ship_ms = f.wait_for_ship_ms;
  auto engine = OpenOrReport(g, options);

  uint64_t committed = 0, through_line = 0;
  auto start = std::chrono::steady_clock::now();
  int code = kOk;
  auto fail = [&](uint64_t line, const Status& st) {
    std::cerr
        << "annal import: line " << line << ": " << st.ToString() << "\n"
        << "annal import: " << committed
        << " events committed by earlier batches; nothing of this batch was written\n";
    code = kFailed;
    return false;
  };
  auto commit = [&](ParsedBatch&& b) {
    if (b.error) return fail(b.error->first, b.error->second);
    if (b.events.empty()) return true;
    auto r = engine->Append(b.events);
    if (!r.ok()) return fail(b.lines[r.status().event_index().value_or(0)], r.status());
    committed += b.events.size();
    through_line = b.lines.back();
    if (r->not_yet_shipped) code = kNotShipped;
    return !r->not_yet_shipped;
  };
  LineReader reader(in);
  ParseAhead(reader, f.batch, commit);
  if (code == kNotShipped) {
    std::cerr
        << "annal import: committed " << committed << " events through line "
        << through_line << ", not yet acknowledged by the stream after "
        << f.wait_for_ship_ms
        << " ms: is `annal ship` running? They are in the store: do not import them "
           "again (reading stopped there)\n";
  }
  if (code != kOk) return code;
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("committed {} events in {:.2f} s ({:.0f} events/s)\n", committed, secs,
             secs > 0 ? committed / secs : 0.0);
  return kOk;
}

}  // namespace

static Run AddImport(CLI::App& app, const Globals& g) {
  auto f = std::make_shared<ImportFlags>();
  auto* cmd =
      app.add_subcommand("import", "append JSONL events (one per line) to the store");
  cmd->add_option("file", f->file, "JSONL file, or - for standard input")->required();
  cmd->add_option("--batch", f->batch, "events per write transaction")
      ->check(Decimal(1, uint64_t{1} << 24));
  cmd->add_flag("--no-sync", f->no_sync, "do not fsync each commit (bulk loads)");
  cmd->add_option("--wait-for-ship", f->wait_for_ship_ms,
                  "each batch returns once `annal ship` has it on the stream; fail "
                  "after MS milliseconds without")
      ->check(Decimal(1, 3600000));
  cmd->add_flag("--deferred", f->deferred,
                "log only: leave the projections to `annal project` (deferred mode)");
  return [&g, f] { return Import(g, *f); };
}

ANNAL_COMMAND("import", AddImport);

}  // namespace annal::cli
