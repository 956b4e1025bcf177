// annal --db DIR schema add FILE | schema list: event types of your own
// (docs/events.md, "Events of your own"). `add` appends the declarations
// of FILE (JSON, or YAML when it is named *.yaml or *.yml: one declaration
// or a list) in one batch, leaving out
// those the store holds already as they are, so that a deploy may run it
// every time; `list` prints each declared type at its current version.
#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "annal/jsonl.h"
#include "tools/command.h"
#include "tools/yaml_to_json.h"

namespace annal::cli {
namespace {

int Add(const Globals& g, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "annal schema add: cannot open " << file << "\n";
    return kFailed;
  }
  std::stringstream text;
  text << in.rdbuf();
  // YAML by its name; JSON otherwise (JSON is YAML too, but the JSON
  // reader's messages are the more precise).
  std::string json = text.str();
  if (file.ends_with(".yaml") || file.ends_with(".yml")) {
    auto converted = YamlToJson(json);
    if (!converted.ok()) return Report("schema add", converted.status());
    json = std::move(*converted);
  }
  auto declared = ParseDeclarations(json);
  if (!declared.ok()) return Report("schema add", declared.status());
  auto engine = OpenOrReport(g, Options{});
  auto snap = engine->Read();
  if (!snap.ok()) return Report("schema add", snap.status());
  auto current = snap->EventTypes();
  if (!current.ok()) return Report("schema add", current.status());
  std::vector<Event> batch;
  for (const EventTypeDeclared& d : *declared) {
    bool unchanged = false;
    for (const EventTypeDeclared& c : *current) unchanged = unchanged || c == d;
    if (unchanged) {
      fmt::print("{} version {}: unchanged\n", d.name, d.version);
    } else {
      batch.push_back(d);
    }
  }
  if (batch.empty()) return kOk;
  auto r = engine->Append(batch);
  if (!r.ok()) return Report("schema add", r.status());
  for (const Event& e : batch) {
    const auto& d = std::get<EventTypeDeclared>(e.body);
    fmt::print("{} version {}: declared\n", d.name, d.version);
  }
  return kOk;
}

int List(const Globals& g) {
  ReadView view = OpenForReading(g, "schema list");
  auto types = view.snapshot->EventTypes();
  if (!types.ok()) return Report("schema list", types.status());
  Out out;
  for (const EventTypeDeclared& d : *types) {
    AppendDeclarationJson(out.buf(), d);
    out.EndLine();
  }
  return kOk;
}

}  // namespace

static Run AddSchema(CLI::App& app, const Globals& g) {
  auto* cmd =
      app.add_subcommand("schema", "declare event types of your own, or list them");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* add = cmd->add_subcommand(
      "add", "append the declarations of FILE (JSON) that the store does not hold yet");
  add->add_option("file", *file,
                  "a JSON (or, named *.yaml, YAML) declaration, or a list of them")
      ->required();
  auto* list = cmd->add_subcommand("list", "print each declared event type as JSON");
  return [&g, file, add, list] {
    if (add->parsed()) return Add(g, *file);
    if (list->parsed()) return List(g);
    return kUsage;
  };
}

ANNAL_COMMAND("schema", AddSchema);

}  // namespace annal::cli
