#!/usr/bin/env python3
"""Writes the bad-input corpus: one file per hostile or broken input, each a
JSONL import whose bad line is preceded and followed by valid ones, so that a
refusal must also leave the valid lines of its batch unwritten.

    python3 tests/bad_inputs/make_corpus.py   # rewrites tests/bad_inputs/*.jsonl

Samples of every event type come from `annal generate`'s stream (passed as
the first argument, a JSONL file)."""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
PRELUDE = b'{"type":"task_created","ts":10,"task_id":"corpus-t","name":"prelude"}\n'
AFTER = b'{"type":"rule_created","ts":11,"rule_id":"corpus-r","name":"after"}\n'


def write(name, bad_line):
    if isinstance(bad_line, str):
        bad_line = bad_line.encode("utf-8", "surrogatepass")
    with open(os.path.join(here, name + ".jsonl"), "wb") as f:
        f.write(PRELUDE + bad_line + b"\n" + AFTER)


def main():
    samples = {}
    with open(sys.argv[1]) as f:
        for line in f:
            ev = json.loads(line)
            samples.setdefault(ev["type"], ev)
    for f in os.listdir(here):
        if f.endswith(".jsonl"):
            os.remove(os.path.join(here, f))

    malformed = ['{', '}', '{"type":"rule_hit","rule_id":"r",}', "{'type':'rule_hit'}",
                 '{type:"rule_hit"}', '{"type":"rule_hit","rule_id":"r"} trailing',
                 '{"type":"rule_hit" "rule_id":"r"}', '{"type":"rule_hit","rule_id":NaN}',
                 '{"type":"rule_hit","ts":Infinity,"rule_id":"r"}', '{"type":"rule_hit"/*c*/,"rule_id":"r"}',
                 '[1,2,3]', '"just a string"', '42', 'null', 'true', '{"type":"rule_hit","rule_id":"r"}}',
                 '{"type":"rule_hit","rule_id":"\\x41"}', '{"type":"rule_hit","rule_id":"\\u12"}']
    for i, text in enumerate(malformed):
        write(f"malformed_{i:02d}", text)

    write("huge_name_70k", json.dumps({"type": "task_created", "task_id": "big", "name": "n" * 70000}))
    write("huge_id_300", json.dumps({"type": "task_created", "task_id": "i" * 300, "name": "n"}))
    write("huge_number_ts", '{"type":"task_created","ts":1e400,"task_id":"x","name":"n"}')
    write("huge_integer_ts", '{"type":"task_created","ts":123456789012345678901234567890,"task_id":"x","name":"n"}')
    write("uint64_ts", '{"type":"task_created","ts":18446744073709551615,"task_id":"x","name":"n"}')
    write("deep_nesting_array", "[" * 20000 + "]" * 20000)
    write("deep_nesting_field", '{"type":"task_created","task_id":"x","name":' + '{"a":' * 5000 + '1' + '}' * 5000 + '}')
    write("object_as_name", '{"type":"task_created","task_id":"x","name":{"first":"n"}}')
    write("nul_raw", b'{"type":"task_created","task_id":"x\x00y","name":"n"}')
    write("nul_escaped_id", '{"type":"task_created","task_id":"x\\u0000y","name":"n"}')
    write("utf8_invalid_byte", b'{"type":"task_created","task_id":"\xff","name":"n"}')
    write("utf8_overlong", b'{"type":"task_created","task_id":"\xc0\xaf","name":"n"}')
    write("utf8_surrogate_raw", b'{"type":"task_created","task_id":"\xed\xa0\x80","name":"n"}')
    write("utf8_truncated", b'{"type":"task_created","task_id":"ok","name":"\xe4\xb8"}')
    write("lone_surrogate_escape", '{"type":"task_created","task_id":"\\ud800","name":"n"}')
    write("empty_id", '{"type":"task_created","task_id":"","name":"n"}')
    write("duplicate_key", '{"type":"rule_hit","rule_id":"a","rule_id":"b"}')
    write("duplicate_type", '{"type":"rule_hit","type":"task_created","rule_id":"a"}')
    write("unknown_type", '{"type":"task_exploded","task_id":"x"}')
    write("empty_type", '{"type":"","task_id":"x"}')
    write("null_type", '{"type":null,"task_id":"x"}')
    write("no_type", '{"task_id":"x","name":"n"}')
    write("type_is_number", '{"type":7,"task_id":"x"}')
    write("ts_is_string", '{"type":"task_created","ts":"yesterday","task_id":"x","name":"n"}')
    write("ts_is_float", '{"type":"task_created","ts":1.5,"task_id":"x","name":"n"}')
    write("actor_is_object", '{"type":"task_created","actor":{},"task_id":"x","name":"n"}')
    write("enabled_is_string", '{"type":"rule_created","rule_id":"x","name":"n","enabled":"yes"}')
    write("status_unknown", '{"type":"task_status_changed","task_id":"t1","status":"sleeping"}')
    write("severity_unknown", '{"type":"alarm_raised","alarm_id":"z","severity":"doom","source":"s","message":"m"}')
    write("level_out_of_range", '{"type":"autonomy_level_changed","level":9}')
    write("level_negative", '{"type":"autonomy_level_changed","level":-1}')
    write("remaining_negative", '{"type":"integration_rate_limited","integration_id":"i1","remaining":-5,"reset_at":1}')
    # Rules broken against the seeded store (tests/bad_inputs_test.cc seeds it).
    write("rule_task_exists", '{"type":"task_step_advanced","task_id":"ghost","step":"s"}')
    write("rule_task_terminal", '{"type":"task_status_changed","task_id":"t-done","status":"running"}')
    write("rule_id_is_new", '{"type":"task_created","task_id":"t1","name":"again"}')
    write("rule_deleted_id_reused", '{"type":"watcher_created","watcher_id":"w-deleted","name":"again"}')
    write("rule_schedule_run_waiting", '{"type":"schedule_run_started","schedule_id":"s1"}')
    write("rule_call_not_started", '{"type":"tool_call_finished","call_id":"c1","outcome":"ok"}')
    write("rule_approval_not_pending", '{"type":"approval_granted","approval_id":"ghost"}')
    write("rule_alarm_open_again", '{"type":"alarm_raised","alarm_id":"a1","severity":"info","source":"s","message":"m"}')
    write("rule_autonomy_same_level", '{"type":"autonomy_level_changed","level":0}')
    write("rule_alarm_ack_resolved", '{"type":"alarm_acked","alarm_id":"ghost"}')
    with open(os.path.join(here, "truncated_file.jsonl"), "wb") as f:
        f.write(PRELUDE + b'{"type":"task_created","task_id":"cut","na')
    with open(os.path.join(here, "binary_garbage.jsonl"), "wb") as f:
        f.write(bytes((i * 37 + 11) % 256 for i in range(4096)))

    # Every event type: its first required field missing, mistyped, and an unknown field added.
    for t, ev in sorted(samples.items()):
        fields = [k for k in ev if k not in ("type", "ts", "actor", "seq")]
        first = fields[0]
        missing = {k: v for k, v in ev.items() if k != first}
        write(f"missing_{first}_{t}", json.dumps(missing))
        wrong = dict(ev)
        wrong[first] = [1, 2] if not isinstance(ev[first], list) else "x"
        write(f"wrong_type_{first}_{t}", json.dumps(wrong))
        extra = dict(ev)
        extra["surprise"] = 1
        write(f"unknown_field_{t}", json.dumps(extra))
    print(len([f for f in os.listdir(here) if f.endswith(".jsonl")]), "files")


if __name__ == "__main__":
    main()
