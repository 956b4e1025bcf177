// annal/jsonl.h: the JSONL interchange form of events and projection rows
// (docs/events.md): one JSON object per line.
//
// JsonDecoder keeps a parser's buffers between calls: one per thread. The
// Append/ToJson functions are stateless and thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "annal/events.h"
#include "annal/export.h"
#include "annal/maintenance.h"
#include "annal/projection.h"
#include "annal/rows.h"
#include "annal/status.h"

namespace annal {

class ANNAL_EXPORT JsonDecoder {
 public:
  JsonDecoder();
  ~JsonDecoder();
  JsonDecoder(const JsonDecoder&) = delete;
  JsonDecoder& operator=(const JsonDecoder&) = delete;

  // Parses one event. A failure (kInvalidInput) names the field and what is
  // wrong with it: malformed JSON, unknown type or field, a missing required
  // field, a wrong JSON type, a duplicate field. `seq` is accepted and ignored.
  Result<Event> Decode(std::string_view line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends one event as a JSON object (no newline): type, seq (when given), ts,
// actor, then the type's fields; optional fields that are absent are omitted.
ANNAL_EXPORT void AppendJson(std::string& out, const Event& ev,
                             std::optional<uint64_t> seq = {});
ANNAL_EXPORT std::string ToJson(const LoggedEvent& ev);

// Appends `s` as a JSON string literal, quoted and escaped as annal's own
// JSON is (for callers that wrap rows in JSON of their own).
ANNAL_EXPORT void AppendJsonString(std::string& out, std::string_view s);

// Event type declarations from their JSON document (`annal schema add`,
// docs/events.md): one object {"name", "version" (default 1), "fields": [{"name",
// "type" (int, str, bool, float), "optional" (default false)}]} or an array
// of them. kInvalidInput names what is wrong; the rules of a declaration
// (names, versions, extensions) are the validator's, at append.
ANNAL_EXPORT Result<std::vector<EventTypeDeclared>> ParseDeclarations(
    std::string_view json);
// One declaration as that document's object.
ANNAL_EXPORT void AppendDeclarationJson(std::string& out, const EventTypeDeclared& d);

// Appends one projection row as a JSON object with exactly the fields of
// docs/events.md, absent values as null.
ANNAL_EXPORT void AppendJson(std::string& out, const ActiveTaskRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const ScheduleRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const WatcherRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const RuleRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const IntegrationRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const ApprovalRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const QueueDepthRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const AutonomyCurrentRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const AutonomyChangeRow& r);
ANNAL_EXPORT void AppendJson(std::string& out, const AlarmRow& r);
// A declared table's row (annal/projection.h): its key fields, then its
// other fields, by their declared names; floats in their shortest exact form.
ANNAL_EXPORT void AppendJson(std::string& out, const TableSpec& table,
                             const TableRow& row);
// A bound on the first field of `table`'s index `index` (empty: of its
// key), from its text form (as `annal query --from` and HTTP's `from=` take
// it): an int in decimal, a str as it is, a bool as true or false. nullopt
// for an unknown index or a text that is not of the field's type.
ANNAL_EXPORT std::optional<Value> ParseIndexBound(const TableSpec& table,
                                                  std::string_view index,
                                                  std::string_view text);

// The report of Engine::Verify as one JSON object and a newline (what
// `annal verify --json` prints): identical, events, head_seq, head_hash, and
// per projection its row counts, identical, digest and differences.
ANNAL_EXPORT std::string ToJson(const VerifyReport& report);

}  // namespace annal
