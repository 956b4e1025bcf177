#include <algorithm>

#include "annal/jsonl.h"
#include "events/json_writer.h"

namespace annal {
namespace internal {

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Runs of characters that need no escape are appended whole: char-by-char
  // appends were most of a page query's time (perf, docs/performance-notes.md).
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[(c >> 4) & 0xF];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace internal

void AppendJsonString(std::string& out, std::string_view s) {
  internal::AppendJsonString(out, s);
}

using internal::JsonObject;

void AppendJson(std::string& out, const Event& ev, std::optional<uint64_t> seq) {
  JsonObject o(out);
  o.Field("type", ev.type());
  o.FieldIfSet("seq", seq);
  o.FieldIfSet("ts", ev.ts);
  auto erased = [&](std::string_view name) {
    return std::find(ev.erased.begin(), ev.erased.end(), name) != ev.erased.end();
  };
  if (erased("actor")) {
    o.Field("actor", std::optional<std::string>());  // null: its subject was forgotten
  } else {
    o.FieldIfSet("actor", ev.actor);
  }
  o.FieldIfSet("shape", ev.shape);
  o.FieldIfSet("subject", ev.subject);
  if (!ev.erased.empty()) {
    out += ",\"erased\":[";
    for (size_t i = 0; i < ev.erased.size(); ++i) {
      if (i) out += ',';
      internal::AppendJsonString(out, ev.erased[i]);
    }
    out += ']';
  }
  if (auto* d = std::get_if<DeclaredEvent>(&ev.body)) {
    for (const auto& [name, value] : d->fields) {
      out += ',';
      internal::AppendJsonString(out, name);
      out += ':';
      internal::AppendJsonValue(out, value, /*float_fraction=*/true);
    }
    for (const std::string& name : ev.erased) {  // null: its subject was forgotten
      if (name != "actor") o.Field(name, std::optional<std::string>());
    }
    return;
  }
  std::visit(
      [&](const auto& body) {
        using E = std::decay_t<decltype(body)>;
        E::Fields(body, [&](std::string_view name, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if (erased(name)) {
            o.Field(name, std::optional<std::string>());
          } else if constexpr (std::is_same_v<V, OptString> ||
                               std::is_same_v<V, OptTime>) {
            o.FieldIfSet(name, v);
          } else {
            o.Field(name, v);
          }
        });
      },
      ev.body);
}

std::string ToJson(const LoggedEvent& ev) {
  std::string out;
  AppendJson(out, ev.event, ev.seq);
  return out;
}

namespace {

// Every row's JSON: its fields in their Fields() order, absent values null.
template <class Row>
void AppendRow(std::string& out, const Row& row) {
  JsonObject o(out);
  Row::Fields(row, [&](std::string_view name, const auto& v) { o.Field(name, v); });
}

}  // namespace

void AppendJson(std::string& out, const ActiveTaskRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const ScheduleRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const WatcherRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const RuleRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const IntegrationRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const ApprovalRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const QueueDepthRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const AutonomyCurrentRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const AutonomyChangeRow& r) { AppendRow(out, r); }
void AppendJson(std::string& out, const AlarmRow& r) { AppendRow(out, r); }

namespace {

// Appends `items` as a JSON array of what `each` writes for one item.
template <class T, class Fn>
void AppendArray(std::string& out, std::string_view name, const std::vector<T>& items,
                 Fn&& each) {
  out += ',';
  internal::AppendJsonString(out, name);
  out += ":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    each(items[i]);
  }
  out += ']';
}

}  // namespace

std::string ToJson(const VerifyReport& r) {
  std::string out;
  {
    JsonObject o(out);
    o.Field("identical", r.identical());
    o.Field("events", r.log.events), o.Field("head_seq", r.log.head_seq);
    o.Field("head_hash", r.log.head_hash);
    AppendArray(out, "projections", r.projections, [&](const ProjectionCheck& p) {
      JsonObject po(out);
      po.Field("projection", p.projection), po.Field("rows_live", p.rows_live);
      po.Field("rows_rebuilt", p.rows_rebuilt), po.Field("identical", p.identical);
      po.Field("digest", p.digest);
      AppendArray(out, "differences", p.differences, [&](const Difference& d) {
        JsonObject dobj(out);
        dobj.Field("sub_database", d.sub_database), dobj.Field("key", d.key);
        dobj.Field("what", d.what);
      });
    });
    AppendArray(out, "skipped", r.skipped, [&](const SkippedProjection& k) {
      JsonObject ko(out);
      ko.Field("projection", k.projection), ko.Field("why", k.why);
    });
  }
  return out + "\n";
}

}  // namespace annal
