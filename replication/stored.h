// The store's side of replication, over the public API: its head, its
// identity (seq 1's chain hash), a record's stored value, and how those are
// named in messages and errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "annal/engine.h"
#include "common/hex.h"

namespace annal::replication {

// Bytes of the chain hash at the end of every stored value.
using common::kHashBytes;

Result<uint64_t> LocalHead(const Engine& engine);
// Seq 1's chain hash; empty while the log is empty.
Result<std::string> LocalIdentity(const Engine& engine);
// The value stored at `seq`; nullopt past the head.
Result<std::optional<std::string>> LocalStored(const Engine& engine, uint64_t seq);
// The first 8 bytes of a stored value's chain hash, in hex (for messages).
std::string HashHex(std::string_view stored);

}  // namespace annal::replication
