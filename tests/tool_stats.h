// ToolStats, a projection of one's own (annal/projection.h): tool-call
// counts per tool, and each call's tool (indexed by tool). Shared by the C++ tests and
// the test plugin (tests/plugin/). The example of docs/projections.md.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "annal/projection.h"

namespace annal::testing {

class ToolStats : public Projection {
 public:
  explicit ToolStats(uint32_t version = 1) : version_(version) {}
  std::string name() const override { return "tool_stats"; }
  uint32_t version() const override { return version_; }
  std::vector<TableSpec> tables() const override {
    return {
        {"tools",
         {{"tool", FieldType::kStr}},
         {{"queued", FieldType::kInt},
          {"ok", FieldType::kInt},
          {"error", FieldType::kInt},
          {"last_ts", FieldType::kInt, true}}},
        {"calls",
         {{"call_id", FieldType::kStr}},
         {{"tool", FieldType::kStr}},
         {{"by_tool", {"tool"}}}},
    };
  }
  void Apply(ProjectionTx& tx, const LoggedEvent& ev) override {
    if (auto* q = std::get_if<ToolCallQueued>(&ev.event.body)) {
      tx.Put("calls", {q->call_id}, {q->tool});
      Bump(tx, q->tool, 0, *ev.event.ts);
    } else if (auto* f = std::get_if<ToolCallFinished>(&ev.event.body)) {
      auto call = tx.Get("calls", {f->call_id});
      if (!call) throw std::runtime_error("finished call without a queued one");
      Bump(tx, std::get<std::string>((*call)[0]), f->outcome == CallOutcome::kOk ? 1 : 2,
           *ev.event.ts);
    }
  }

 private:
  static void Bump(ProjectionTx& tx, const std::string& tool, size_t counter,
                   int64_t ts) {
    Values row =
        tx.Get("tools", {tool})
            .value_or(Values{int64_t{0}, int64_t{0}, int64_t{0}, std::monostate{}});
    row[counter] = std::get<int64_t>(row[counter]) + 1;
    row[3] = ts;
    tx.Put("tools", {tool}, row);
  }
  uint32_t version_;
};

}  // namespace annal::testing
