// Conversion between the public Event structs and the FlatBuffers log record
// (fbs/log.fbs). Encoding is deterministic: the same event always yields the
// same bytes, whatever order the compiler evaluates arguments in.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <string_view>

#include "annal/events.h"
#include "annal/status.h"
#include "log_generated.h"

namespace annal::internal {

// Builds the record into `b` (cleared first); its size is a multiple of 8.
void EncodeRecord(flatbuffers::FlatBufferBuilder& b, uint64_t seq, int64_t ts,
                  const Event& ev);

// Verifies the bytes (structure, identifier) and returns the record, or
// nullptr when they are not a well-formed record. `bytes` must be 8-aligned.
const fbs::Record* VerifiedRecord(std::string_view bytes);

// Converts a verified record back into the public struct.
LoggedEvent DecodeRecord(const fbs::Record& rec);

}  // namespace annal::internal
