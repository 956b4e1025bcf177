// An independent, deliberately naive recomputation of every projection from
// an exported log (JSONL with seq), written from docs/events.md without
// using annal's projectors, codecs or key encoding. The model test compares
// its output with what `annal query` prints.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace annal::testing {

class ReferenceModel {
 public:
  // Applies one exported line; false (with `error`) if it cannot be read.
  bool Apply(std::string_view line, std::string* error);

  // What `annal query NAME [--due T] [--state S]` should print.
  std::string Query(const std::string& name, std::optional<int64_t> due = {},
                    std::optional<std::string> state = {}) const;

 private:
  using OptI = std::optional<int64_t>;
  using OptS = std::optional<std::string>;
  struct Task {
    std::string name, status = "queued";
    OptS step;
    OptI wake;
    int64_t updated_at = 0;
  };
  struct Schedule {
    std::string name, spec;
    bool enabled = true, deleted = false;
    OptI next_run_at, last_run_at;
    int64_t missed = 0, waiting = 0;
  };
  struct Watcher {
    std::string name;
    bool enabled = true;
    OptI last_tick_at;
    OptS last_outcome;
    int64_t suppressions = 0;
  };
  struct Rule {
    std::string name;
    bool enabled = true;
    int64_t hits = 0;
    OptI last_hit_at;
    OptS last_reason;
  };
  struct Integration {
    std::string name, health = "unknown", auth = "unknown";
    OptI last_success_at, last_error_at, remaining, reset_at;
    OptS last_error;
    int64_t failures = 0;
  };
  struct Approval {
    std::string task_id, action;
    OptS context;
    int64_t requested_at = 0, expires_at = 0;
  };
  struct Change {
    int64_t seq, ts, from, to;
    OptS reason, actor;
  };
  struct Alarm {
    std::string severity, source, message, state;
    int64_t raised_at = 0;
    OptI acked_at, resolved_at;
    int64_t resolved_seq = 0;
  };

  std::map<std::string, Task> tasks_;
  std::map<std::string, Schedule> schedules_;
  std::map<std::string, Watcher> watchers_;
  std::map<std::string, Rule> rules_;
  std::map<std::string, Integration> integrations_;
  std::map<std::string, Approval> approvals_;
  std::map<std::string, std::string> calls_;  // id -> queued|started|finished
  int64_t level_ = 0;
  OptI level_since_;
  std::vector<Change> changes_;
  std::map<std::string, Alarm> alarms_;
};

}  // namespace annal::testing
