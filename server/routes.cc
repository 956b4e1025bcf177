// The read routes: projections (paged, filtered, as of a seq), the status,
// the log, and the dashboard page.
#include <fmt/core.h>

#include <span>

#include "annal/jsonl.h"
#include "annal/replication.h"
#include "common/numbers.h"
#include "server/json.h"
#include "server/params.h"
#include "server/server_impl.h"

namespace annal::server {
namespace {

constexpr uint64_t kMaxLimit = 10000;
constexpr uint64_t kDefaultLimit = 1000;

}  // namespace

std::shared_ptr<AsOfCache::View> AsOfCache::Get(const Engine& engine, uint64_t seq) {
  std::shared_ptr<View> view;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_used_[seq] = ++clock_;
    auto& slot = views_[seq];
    if (!slot) slot = std::make_shared<View>();
    view = slot;
    while (views_.size() > kViews) {
      auto oldest = last_used_.begin();
      for (auto it = last_used_.begin(); it != last_used_.end(); ++it)
        if (it->second < oldest->second) oldest = it;
      views_.erase(oldest->first);
      last_used_.erase(oldest);
    }
  }
  // Built by the first request that needs it; the others wait for it.
  std::unique_lock<std::mutex> use(view->in_use);
  if (!view->snapshot) view->snapshot.emplace(Must(engine.ReadAsOf(seq)));
  return view;
}

namespace {

// ?as_of=SEQ, at most the head.
std::optional<uint64_t> AsOf(const Params& p, const Snapshot& now) {
  auto text = p.Text("as_of");
  if (!text) return std::nullopt;
  const uint64_t head = Must(now.LastSeq());
  auto as_of = common::ParseDecimal(*text, 0, head);
  if (!as_of) {
    throw HttpError(
        400, common::RangeMessage("as_of", "0", std::to_string(head) + " (the head)",
                                  Printable(*text)));
  }
  return as_of;
}

void AppendPage(std::string& out, uint64_t seq, const std::vector<std::string>& rows,
                const std::optional<std::string>& next) {
  out += "{\"seq\":" + std::to_string(seq) + ",\"rows\":";
  AppendRawArray(out, rows);
  out += ",\"next\":";
  if (next) {
    AppendJsonString(out, *next);
  } else {
    out += "null";
  }
  out += "}";
}

void AppendColumns(std::string& out, const std::vector<FieldSpec>& fields, bool& first) {
  for (const FieldSpec& f : fields) {
    out += first ? "" : ",";
    first = false;
    out += "{\"name\":";
    AppendJsonString(out, f.name);
    out += ",\"type\":\"" + std::string(NameOf(f.type)) +
           "\",\"optional\":" + (f.optional ? "true" : "false") + "}";
  }
}

}  // namespace

void ApiServer::Impl::DeclaredTable(const std::string& name, const httplib::Request& req,
                                    httplib::Response& res) {
  Params p(req, {"table", "limit", "after", "as_of", "index", "from", "to"});
  const std::string table = p.Text("table").value_or("");
  const std::string index = p.Text("index").value_or("");
  Snapshot now = Read();
  const std::optional<TableSpec> spec = now.Table(name, table);
  if (!spec) {
    throw HttpError(404, "no projection named " + Printable(name) +
                             (table.empty() ? "" : " with a table " + Printable(table)));
  }
  Snapshot::TableQuery q;
  q.table = table;
  q.index = index;
  for (auto [name, bound] : {std::pair("from", &q.from), std::pair("to", &q.to)}) {
    const std::optional<std::string> text = p.Text(name);
    if (!text) continue;
    *bound = ParseIndexBound(*spec, index, *text);
    if (!*bound) {
      throw HttpError(400, std::string(name) + "=" + Printable(*text) +
                               ": not a value of the first field of the index given "
                               "by index=, or else of the table's key");
    }
  }
  q.limit = p.Unsigned("limit", 1, kMaxLimit).value_or(kDefaultLimit);
  const std::string after = p.Text("after").value_or("");
  q.after = after;
  const std::optional<uint64_t> as_of = AsOf(p, now);
  TablePage page;
  uint64_t seq = 0;
  if (as_of) {
    auto view = as_of_cache.Get(engine, *as_of);
    std::lock_guard<std::mutex> use(view->in_use);
    page = Must(view->snapshot->TableRows(name, q));
    seq = *as_of;
  } else {
    page = Must(now.TableRows(name, q));
    seq = Must(now.ProjectedSeq());
  }
  std::vector<std::string> rows;
  for (const TableRow& r : page.rows) AppendJson(rows.emplace_back(), *spec, r);
  std::string out;
  AppendPage(out, seq, rows, page.next);
  res.set_content(out, "application/json");
}

void ApiServer::Impl::Projections(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {});
  std::string out = "{\"projections\":[";
  bool first_projection = true;
  for (std::string_view name : kProjections) {
    out += first_projection ? "" : ",";
    first_projection = false;
    out += "{\"name\":";
    AppendJsonString(out, name);
    out += ",\"builtin\":true,\"filters\":{";
    const QueryFilters takes = FiltersOf(name);
    out += takes.due ? "\"due\":true" : "\"due\":false";
    out += ",\"state\":";
    AppendStringArray(out, takes.state ? std::span(EnumNames<AlarmState>::kNames)
                                       : std::span<const std::string_view>());
    out += "}}";
  }
  for (const auto& projection : engine.projections()) {
    out += first_projection ? "" : ",";
    first_projection = false;
    out += "{\"name\":";
    AppendJsonString(out, projection->name());
    out += ",\"builtin\":false,\"version\":" + std::to_string(projection->version()) +
           ",\"tables\":[";
    bool first_table = true;
    for (const TableSpec& t : projection->tables()) {
      out += first_table ? "" : ",";
      first_table = false;
      out += "{\"name\":";
      AppendJsonString(out, t.name);
      out += ",\"key\":[";
      bool first = true;
      AppendColumns(out, t.key, first);
      out += "],\"fields\":[";
      first = true;
      AppendColumns(out, t.fields, first);
      out += "],\"indexes\":[";
      for (size_t i = 0; i < t.indexes.size(); ++i) {
        out += i ? ",{\"name\":" : "{\"name\":";
        AppendJsonString(out, t.indexes[i].name);
        out += ",\"fields\":";
        AppendStringArray(out, t.indexes[i].fields);
        out += "}";
      }
      out += "]}";
    }
    out += "]}";
  }
  out += "]}";
  res.set_content(out, "application/json");
}

void ApiServer::Impl::Projection(const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches[1];
  // A built-in projection's own query, or any projection's table.
  if (!IsBuiltInProjection(name) || req.has_param("table") || req.has_param("index"))
    return DeclaredTable(name, req, res);
  Params p(req, {"due", "state", "limit", "after", "as_of"});
  QueryOptions q;
  q.due = p.Signed("due");
  if (auto state = p.Text("state")) {
    q.state = ParseAlarmState(*state);
    if (!q.state) throw HttpError(400, "state must be open, acked or resolved");
  }
  q.limit = p.Unsigned("limit", 1, kMaxLimit).value_or(kDefaultLimit);
  q.after = p.Text("after").value_or("");
  Snapshot now = Read();
  const std::optional<uint64_t> as_of = AsOf(p, now);
  uint64_t seq = 0;
  QueryPage page;
  if (as_of) {
    auto view = as_of_cache.Get(engine, *as_of);
    std::lock_guard<std::mutex> use(view->in_use);
    page = Must(view->snapshot->Query(name, q));
    seq = *as_of;
  } else {
    page = Must(now.Query(name, q));
    seq = Must(now.ProjectedSeq());
  }
  std::string out;
  AppendPage(out, seq, page.rows, page.next);
  res.set_content(out, "application/json");
}

void ApiServer::Impl::Status(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {});
  Snapshot snap = Read();
  const Snapshot::Lag lag = Must(snap.ProjectionLag());
  const std::string mode = Must(snap.StoreMode());
  std::string out = "{\"head_seq\":" + std::to_string(lag.head_seq) +
                    ",\"projected_seq\":" + std::to_string(lag.projected_seq) +
                    ",\"lag_events\":" + std::to_string(lag.events) +
                    ",\"lag_micros\":" + std::to_string(lag.micros) + ",\"mode\":";
  AppendJsonString(out, mode);
  out += ",\"replication\":";
  const StoreReplication::Standing r = Must(StoreReplication(engine).StandingAt(snap));
  std::string fields;
  if (r.shipped_seq) {
    fields += fmt::format(R"("shipped_seq":{},"ship_lag_events":{})", *r.shipped_seq,
                          r.ship_lag_events);
  }
  if (r.stream_end_seq) {
    if (!fields.empty()) fields += ",";
    fields += fmt::format(R"("stream_end_seq":{},"replica_lag_events":{})",
                          *r.stream_end_seq, r.replica_lag_events);
  }
  out += fields.empty() ? "null" : "{" + fields + "}";
  out += ",\"maintenance\":";
  if (auto m = engine.RunningMaintenance()) {
    out += "{\"kind\":";
    AppendJsonString(out, m->kind);
    out += ",\"building\":";
    AppendStringArray(out, m->building);
    out += fmt::format(R"(,"done":{},"total":{}}})", m->progress.done, m->progress.total);
  } else {
    out += "null";
  }
  out += "}";
  res.set_content(out, "application/json");
}

void ApiServer::Impl::EventTypes(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {});
  Snapshot snap = Read();
  std::string out = "{\"event_types\":[";
  bool first = true;
  for (const EventTypeDeclared& d : Must(snap.EventTypes())) {
    out += first ? "" : ",";
    first = false;
    AppendDeclarationJson(out, d);
  }
  out += "]}";
  res.set_content(out, "application/json");
}

void ApiServer::Impl::Events(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {"after", "limit"});
  Snapshot snap = Read();
  const uint64_t head = Must(snap.LastSeq());
  const uint64_t after = p.Unsigned("after", 0, head).value_or(0);
  const uint64_t limit = p.Unsigned("limit", 1, kMaxLimit).value_or(kDefaultLimit);
  std::vector<std::string> events;
  uint64_t last = after;
  annal::Status st = snap.ScanLog(after + 1, [&](const LoggedEvent& ev) {
    std::string json;
    AppendJson(json, ev.event, ev.seq);
    events.push_back(std::move(json));
    last = ev.seq;
    return events.size() < limit;
  });
  if (!st.ok()) throw HttpError(500, st.ToString());
  std::string out = "{\"events\":";
  AppendRawArray(out, events);
  out += ",\"next\":";
  out += last < head && !events.empty() ? std::to_string(last) : "null";
  out += "}";
  res.set_content(out, "application/json");
}

// A chart's per-minute rows (proj_series): buckets from the one holding
// `from` to the one holding `to` (µs), paged as a table is.
void ApiServer::Impl::Series(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {"from", "to", "limit", "after"});
  const std::string name = req.matches[1];
  if (std::find(std::begin(kSeriesTables), std::end(kSeriesTables), name) ==
      std::end(kSeriesTables)) {
    throw HttpError(
        404, "no series " + Printable(name) + " (one of queue, alarms, events, appends)");
  }
  Snapshot snap = Read();
  Snapshot::TableQuery q;
  q.table = name;
  if (auto from = p.Signed("from")) q.from = Value{SeriesBucketOf(*from)};
  if (auto to = p.Signed("to")) q.to = Value{SeriesBucketOf(*to)};
  q.limit = p.Unsigned("limit", 1, kMaxLimit).value_or(kMaxLimit);
  const std::string after = p.Text("after").value_or("");
  q.after = after;
  const std::optional<TableSpec> spec = snap.Table(kSeriesProjection, name);
  TablePage page = Must(snap.TableRows(kSeriesProjection, q));
  std::vector<std::string> rows;
  for (const TableRow& r : page.rows) AppendJson(rows.emplace_back(), *spec, r);
  std::string out;
  AppendPage(out, Must(snap.ProjectedSeq()), rows, page.next);
  res.set_content(out, "application/json");
}

// One entity's audit trail, paged as /v1/events pages the log.
void ApiServer::Impl::History(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {"after", "limit"});
  const std::string kind = req.matches[1], id = req.matches[2];
  Snapshot snap = Read();
  const uint64_t after = p.Unsigned("after", 0, UINT64_MAX).value_or(0);
  const uint64_t limit = p.Unsigned("limit", 1, kMaxLimit).value_or(kDefaultLimit);
  auto page = snap.History(kind, id, after, limit);
  if (!page.ok()) {
    throw HttpError(
        page.status().code() == annal::Status::Code::kInvalidInput ? 400 : 500,
        page.status().message());
  }
  if (!*page)
    throw HttpError(404, "no " + Printable(kind) + " " + Printable(id) + " in the log");
  std::vector<std::string> events;
  for (const LoggedEvent& ev : (*page)->events)
    AppendJson(events.emplace_back(), ev.event, ev.seq);
  std::string out = "{\"events\":";
  AppendRawArray(out, events);
  out += ",\"next\":";
  out += (*page)->next ? std::to_string(*(*page)->next) : "null";
  out += "}";
  res.set_content(out, "application/json");
}

void ApiServer::Impl::ChartJs(const httplib::Request&, httplib::Response& res) {
  res.set_header("Cache-Control", "max-age=86400");
  res.set_content(kChartJs, "text/javascript; charset=utf-8");
}

void ApiServer::Impl::Page(const httplib::Request&, httplib::Response& res) {
  res.set_content(kDashboardPage, "text/html; charset=utf-8");
}

}  // namespace annal::server
