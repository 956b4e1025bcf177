// LMDB 0.9's on-disk layout (mdb.c: MDB_page, MDB_node, MDB_meta, MDB_db;
// not MDB_DEVEL), as store/page_check.cc and store/page_walk.cc read it, and
// the meta page's own checks they share. Every value is copied out of the
// file (Load) before use: the bytes are untrusted and need not be aligned.
// Internal to the store layer.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace annal::internal::lmdb_layout {

// mdb.c's constants and layouts (LMDB 0.9, not MDB_DEVEL).
constexpr uint32_t kMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
constexpr size_t kPageHeader = 16;  // PAGEHDRSZ
constexpr size_t kNodeHeader = 8;   // NODESIZE
constexpr uint16_t kBranch = 0x01, kLeaf = 0x02, kOverflow = 0x04, kMetaPage = 0x08;
constexpr uint16_t kKinds = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40;  // + LEAF2, SUBP
constexpr uint16_t kBigData = 0x01, kSubData = 0x02, kDupData = 0x04;
constexpr uint64_t kNoPage = ~uint64_t{0};  // P_INVALID: an empty tree
constexpr unsigned kMaxDepth = 31;          // a cursor's stack holds 32 pages
constexpr size_t kMaxKey = 511;             // mdb_env_get_maxkeysize

struct PageHeader {
  uint64_t pgno;
  uint16_t pad;
  uint16_t flags;
  uint16_t lower;  // with upper: the overflow page count (uint32)
  uint16_t upper;
};
static_assert(sizeof(PageHeader) == kPageHeader);

struct DbRecord {
  uint32_t pad;  // the page size, in the free tree's record of a meta page
  uint16_t flags;
  uint16_t depth;
  uint64_t branch_pages, leaf_pages, overflow_pages, entries, root;
};
static_assert(sizeof(DbRecord) == 48);

struct MetaRecord {
  uint32_t magic, version;
  uint64_t address, map_size;
  DbRecord dbs[2];  // the free tree, the main tree
  uint64_t last_page, txnid;
};
static_assert(sizeof(MetaRecord) == 136);

struct NodeHeader {
  uint16_t lo, hi, flags, key_size;
};
static_assert(sizeof(NodeHeader) == kNodeHeader);

template <class T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::string N(uint64_t v) { return std::to_string(v); }

// A tree's root and depth against the file's last page; `which` names the
// tree in the message ("the main").
std::optional<std::string> CheckRoot(const DbRecord& db, uint64_t last,
                                     const char* which);

// The meta page's checks that do not need the rest of the file: magic,
// version, page size, last page, each tree's root within the last page.
// `index` (0 or 1) names the page in the message.
std::optional<std::string> CheckMeta(const MetaRecord& m, int index);

}  // namespace annal::internal::lmdb_layout
