// The log's hash chain: every log value is the FlatBuffers record followed by
// SHA-256(previous hash || seq as u64 big-endian || record); that layout is
// read and written in events/log_reader.cc only. meta holds the
// head (seq and hash), written in the same transaction as the records, so
// altering, removing or reordering any record breaks the chain from there on.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/hex.h"

namespace annal::internal {

using common::kHashBytes;
using Hash = std::array<uint8_t, kHashBytes>;

Hash ChainHash(const Hash& prev, uint64_t seq, std::string_view record);
std::string ToHex(const Hash& h);

// meta["chain"]: u64 little-endian seq of the newest record, then its hash.
struct ChainHead {
  uint64_t seq = 0;
  Hash hash{};
};
std::string EncodeChainHead(const ChainHead& h);
std::optional<ChainHead> DecodeChainHead(std::string_view bytes);

}  // namespace annal::internal
