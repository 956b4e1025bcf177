// annal --db DIR import FILE|- [--batch N]: append JSONL events, N per write
// transaction. On a bad line: exit 1, name the line and the rule, and say how
// many events the earlier batches committed (those stay committed).
#include <fmt/core.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "annal/jsonl.h"
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

  JsonDecoder decoder;
  std::vector<Event> batch;
  std::vector<uint64_t> lines;  // line number of each event in the batch
  uint64_t committed = 0, line_no = 0;
  auto start = std::chrono::steady_clock::now();
  auto fail = [&](uint64_t line, const Status& st) {
    std::cerr
        << "annal import: line " << line << ": " << st.ToString() << "\n"
        << "annal import: " << committed
        << " events committed by earlier batches; nothing of this batch was written\n";
    return kFailed;
  };
  bool unshipped = false;  // --wait-for-ship ran out: stop after this batch
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    auto r = engine->Append(batch);
    if (!r.ok()) return r.status();
    unshipped = r->not_yet_shipped;
    committed += batch.size();
    batch.clear();
    lines.clear();
    return Status::Ok();
  };

  std::string line;
  auto reader = std::make_unique<LineReader>(in);
  // From a live pipe, a partial batch is committed once the input pauses.
  const int idle_ms = reader->IsLive() ? kIdleFlushMs : -1;
  bool warned_ts = false;
  for (LineRead got;
       (got = reader->Next(line, batch.empty() ? -1 : idle_ms)) != LineRead::kEnd;) {
    if (got == LineRead::kIdle) {
      if (Status st = flush(); !st.ok())
        return fail(lines[st.event_index().value_or(0)], st);
      if (unshipped) break;
      continue;
    }
    ++line_no;
    if (got == LineRead::kError) {
      return fail(line_no,
                  Status::IOError(std::string("read error: ") + std::strerror(errno)));
    }
    if (got == LineRead::kTooLong) {
      return fail(line_no, Status::InvalidInput("the line is longer than " +
                                                std::to_string(kMaxLineBytes >> 20) +
                                                " MiB, more than any event can be"));
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    auto ev = decoder.Decode(line);
    if (!ev.ok()) return fail(line_no, ev.status());
    if (!warned_ts && LooksLikeSecondsOrMillis(ev->ts)) {
      warned_ts = true;
      std::cerr << "annal import: line " << line_no << ": ts " << *ev->ts
                << " is within 1973: ts counts microseconds since 1970; is it in seconds "
                   "or milliseconds? (warned once)\n";
    }
    batch.push_back(std::move(ev.value()));
    lines.push_back(line_no);
    if (batch.size() >= f.batch) {
      if (Status st = flush(); !st.ok())
        return fail(lines[st.event_index().value_or(0)], st);
      if (unshipped) break;
    }
  }
  if (!unshipped) {
    if (Status st = flush(); !st.ok())
      return fail(lines[st.event_index().value_or(0)], st);
  }
  if (unshipped) {
    std::cerr
        << "annal import: committed " << committed << " events through line " << line_no
        << ", not yet acknowledged by the stream after " << f.wait_for_ship_ms
        << " ms: is `annal ship` running? They are in the store: do not import them "
           "again (reading stopped there)\n";
    return kNotShipped;
  }
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
