// GET /metrics: Prometheus' text exposition format (version 0.0.4). The
// append counters and the commit histogram come from the engine
// (Engine::Stats), the gauges from a snapshot, the HTTP counters from the
// server's access log.
#include <fmt/core.h>

#include <map>
#include <string>
#include <vector>

#include "annal/replication.h"
#include "server/params.h"
#include "server/server_impl.h"

namespace annal::server {
namespace {

void Metric(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Per projection: its version, and each of its sub-databases' entries and
// bytes. Names are [a-z0-9_.] (store/schema.h), so labels need no escaping.
void ProjectionSeries(std::string& out,
                      const std::vector<Snapshot::SubDatabaseSize>& sizes,
                      const std::map<std::string, uint32_t>& versions) {
  Metric(out, "annal_projection_version", "gauge",
         "The version each projection the store holds was built with.");
  for (const auto& [name, version] : versions)
    out +=
        fmt::format("annal_projection_version{{projection=\"{}\"}} {}\n", name, version);
  Metric(out, "annal_projection_entries", "gauge",
         "Entries of each sub-database of a projection: a table's rows, an index's "
         "entries, a projector's private state.");
  for (const auto& z : sizes) {
    out += fmt::format(
        "annal_projection_entries{{projection=\"{}\",db=\"{}\",role=\"{}\"}} {}\n",
        z.projection, z.sub_database, z.role, z.entries);
  }
  Metric(out, "annal_projection_bytes", "gauge",
         "Bytes of the pages each sub-database of a projection holds.");
  for (const auto& z : sizes) {
    out += fmt::format(
        "annal_projection_bytes{{projection=\"{}\",db=\"{}\",role=\"{}\"}} {}\n",
        z.projection, z.sub_database, z.role, z.bytes);
  }
}

}  // namespace

void ApiServer::Impl::Metrics(const httplib::Request& req, httplib::Response& res) {
  Params p(req, {});
  Snapshot::Lag lag;
  StoreReplication::Standing rep;
  std::vector<Snapshot::SubDatabaseSize> sizes;
  std::map<std::string, uint32_t> versions;
  {
    Snapshot snap = Read();
    auto z = snap.ProjectionSizes();
    if (!z.ok()) throw HttpError(500, z.status().ToString());
    sizes = std::move(*z);
    auto v = snap.RecordedProjections();
    if (!v.ok()) throw HttpError(500, v.status().ToString());
    versions = std::move(*v);
    auto l = snap.ProjectionLag();
    if (!l.ok()) throw HttpError(500, l.status().ToString());
    lag = *l;
    auto r = StoreReplication(engine).StandingAt(snap);
    if (!r.ok()) throw HttpError(500, r.status().ToString());
    rep = *r;
  }
  const EngineStats stats = engine.Stats();
  std::string out;
  Metric(out, "annal_head_seq", "gauge", "The seq of the log's newest event.");
  out += fmt::format("annal_head_seq {}\n", lag.head_seq);
  Metric(out, "annal_projected_seq", "gauge", "The seq the projections reflect.");
  out += fmt::format("annal_projected_seq {}\n", lag.projected_seq);
  Metric(out, "annal_lag_events", "gauge", "Events logged but not projected yet.");
  out += fmt::format("annal_lag_events {}\n", lag.events);
  Metric(out, "annal_lag_seconds", "gauge",
         "The head event's ts minus the last projected event's ts.");
  out += fmt::format("annal_lag_seconds {}\n", lag.micros / 1e6);
  auto gauge = [&out](std::string_view name, std::string_view help, uint64_t value) {
    Metric(out, name, "gauge", help);
    out += fmt::format("{} {}\n", name, value);
  };
  if (rep.shipped_seq) {
    gauge("annal_shipped_seq",
          "The highest seq the stream has acknowledged to `annal ship`.",
          *rep.shipped_seq);
    gauge("annal_ship_lag_events", "Events logged but not on the stream yet.",
          rep.ship_lag_events);
  }
  if (rep.stream_end_seq) {
    gauge("annal_stream_end_seq",
          "The stream's last seq, as `annal replica` last saw it.", *rep.stream_end_seq);
    gauge("annal_replica_lag_events",
          "Events on the stream this replica has not applied yet.",
          rep.replica_lag_events);
  }
  ProjectionSeries(out, sizes, versions);
  Metric(out, "annal_append_batches_total", "counter",
         "Batches this server's process committed.");
  out += fmt::format("annal_append_batches_total {}\n", stats.append_batches);
  Metric(out, "annal_append_events_total", "counter",
         "Events this server's process committed.");
  out += fmt::format("annal_append_events_total {}\n", stats.append_events);
  Metric(out, "annal_rejected_batches_total", "counter",
         "Batches this server's process refused.");
  out += fmt::format("annal_rejected_batches_total {}\n", stats.rejected_batches);
  Metric(out, "annal_commit_seconds", "histogram",
         "Time from each append transaction's commit until it is durable.");
  for (size_t i = 0; i < kCommitSecondsBounds.size(); ++i) {
    out += fmt::format("annal_commit_seconds_bucket{{le=\"{}\"}} {}\n",
                       kCommitSecondsBounds[i], stats.commits_within[i]);
  }
  out += fmt::format("annal_commit_seconds_bucket{{le=\"+Inf\"}} {}\n", stats.commits);
  out += fmt::format("annal_commit_seconds_sum {}\n", stats.commit_seconds_sum);
  out += fmt::format("annal_commit_seconds_count {}\n", stats.commits);
  Metric(out, "annal_map_used_bytes", "gauge", "Bytes of the store's map in use.");
  out += fmt::format("annal_map_used_bytes {}\n", stats.used_bytes);
  Metric(out, "annal_map_size_bytes", "gauge", "Bytes of address space mapped.");
  out += fmt::format("annal_map_size_bytes {}\n", stats.map_size);
  Metric(out, "annal_feed_clients", "gauge", "Open change-feed connections.");
  out += fmt::format("annal_feed_clients {}\n", feed_clients.load());
  Metric(out, "annal_feed_clients_max", "gauge",
         "Change-feed connections taken at most.");
  out += fmt::format("annal_feed_clients_max {}\n", options.max_feeds);
  Metric(out, "annal_http_requests_total", "counter", "HTTP answers, by status code.");
  {
    std::lock_guard<std::mutex> lock(codes_mu);
    for (const auto& [code, n] : answers_by_code)
      out += fmt::format("annal_http_requests_total{{code=\"{}\"}} {}\n", code, n);
  }
  res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace annal::server
