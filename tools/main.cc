// annal: the command line over the library. Dispatches to one file per command.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <system_error>

#include "annal/plugin.h"
#include "tools/command.h"

namespace annal::cli {

int ExitCodeOf(const Status& st) {
  return st.code() == Status::Code::kCorruption ? kUsage : kFailed;
}

int Report(const char* command, const Status& st, int invalid_input) {
  std::cerr << "annal " << command << ": " << st.ToString() << "\n";
  return st.code() == Status::Code::kInvalidInput ? invalid_input : ExitCodeOf(st);
}

std::unique_ptr<Engine> OpenOrReport(const Globals& g, Options options) {
  options.allow_other_owner = options.allow_other_owner || g.allow_other_owner;
  options.projections.insert(options.projections.end(), g.projections.begin(),
                             g.projections.end());
  options.upcasters.insert(options.upcasters.end(), g.upcasters.begin(),
                           g.upcasters.end());
  auto engine = Engine::Open(g.db, std::move(options));
  if (!engine.ok()) {
    std::cerr << "annal: " << engine.status().ToString() << "\n";
    throw CommandExit{ExitCodeOf(engine.status())};
  }
  return std::move(engine.value());
}

ReadView OpenForReading(const Globals& g, const char* command) {
  Options options;
  options.read_only = true;
  ReadView view;
  view.engine = OpenOrReport(g, options);
  auto snap = view.engine->Read();
  if (!snap.ok()) {
    throw CommandExit{Report(command, snap.status())};
  }
  view.snapshot.emplace(std::move(snap.value()));
  return view;
}

void Out::Flush() {
  const bool written = std::fwrite(buf_.data(), 1, buf_.size(), stdout) == buf_.size() &&
                       std::fflush(stdout) == 0;
  buf_.clear();
  if (!written) throw OutputError(errno);
}

Out::~Out() {
  try {
    Flush();
  } catch (const OutputError&) {
    // main() finds stdout in error and reports it.
  }
}

namespace {

// Whatever a command printed must have reached stdout: a full disk or a
// closed pipe is a failure, not a silent exit 0.
int CheckedOutput(int code) {
  std::cout.flush();
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || std::cout.fail()) {
    const int err = errno;
    std::cerr << "annal: cannot write to standard output"
              << (err ? std::string(": ") + std::strerror(err) : std::string()) << "\n";
    return code == kOk ? kFailed : code;
  }
  return code;
}

std::map<std::string_view, AddCommand>& Registry() {
  static std::map<std::string_view, AddCommand> commands;  // built before main
  return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(std::string_view name, AddCommand add) {
  if (!Registry().emplace(name, add).second) {
    std::cerr << "annal: the command " << name << " is registered twice\n";
    std::abort();  // a build defect, found by every run of the command
  }
}

const std::map<std::string_view, AddCommand>& Commands() { return Registry(); }

}  // namespace annal::cli

int main(int argc, char** argv) {
  using namespace annal::cli;
  CLI::App app{"annal: an embedded event-sourced audit log with projections"};
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  app.add_option("--db", g.db, "the store directory");
  app.add_flag("--allow-other-owner", g.allow_other_owner,
               "open a store another user owns (an auditor's read-only copy)");
  app.add_flag("-v,--verbose", g.verbose, "log engine events (map growth, slow commits)");
  app.add_option("--plugin", g.plugins,
                 "load projections (and upcasters) of your own from this shared object "
                 "(repeatable; docs/projections.md)");

  std::map<CLI::App*, Run> commands;
  auto add = [&](Run run) { commands[app.get_subcommands({}).back()] = std::move(run); };
  for (const auto& [name, add_command] : Commands()) add(add_command(app, g));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }
  annal::SetVerboseLogging(g.verbose);
  for (const std::string& path : g.plugins) {
    auto loaded = annal::LoadPlugin(path);
    if (!loaded.ok()) {
      std::cerr << "annal: " << loaded.status().message() << "\n";
      return kUsage;
    }
    g.projections.insert(g.projections.end(), loaded->begin(), loaded->end());
    auto upcasters = annal::LoadPluginUpcasters(path);
    if (!upcasters.ok()) {
      std::cerr << "annal: " << upcasters.status().message() << "\n";
      return kUsage;
    }
    g.upcasters.insert(g.upcasters.end(), upcasters->begin(), upcasters->end());
  }
  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    if (g.db.empty() && sub->get_name() != "generate") {
      std::cerr << "annal " << sub->get_name() << ": --db DIR is required\n";
      return kUsage;
    }
    try {
      return CheckedOutput(run());
    } catch (const CommandExit& e) {
      return CheckedOutput(e.code);
    } catch (const OutputError& e) {
      std::cerr << "annal " << sub->get_name()
                << ": cannot write to standard output: " << std::strerror(e.error)
                << "\n";
    } catch (const std::system_error& e) {
      // fmt::print and iostreams report a failed write so.
      std::cerr << "annal " << sub->get_name() << ": " << e.what() << "\n";
    }
    return kFailed;
  }
  return kUsage;
}
