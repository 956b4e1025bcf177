// Checks an LMDB data file before LMDB trusts it. LMDB reads its pages
// through the map without checking them: a file shorter than its meta page
// says dies of SIGBUS, and a damaged page trips an assert() (abort) or sends
// a cursor past the map (SIGSEGV). These checks find such damage first and
// say what it is, so that annal refuses the file instead (docs/format.md,
// "Checks of the file").
//
// Both read LMDB's on-disk layout of 0.9.x (store/lmdb_layout.h; written
// down in docs/format.md): the meta pages in store/page_check.cc, the walk
// in store/page_walk.cc. Thread-safe: they
// keep no state.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>

namespace annal::internal {

// Reads the two meta pages of the data file at `path` (pread, not the map)
// and checks them against each other and against the file's size: page
// flags and numbers, magic, version, page size, the last page within the
// file, each root within the last page. nullopt when sound, else what is
// wrong. A missing file is sound (LMDB creates it).
std::optional<std::string> CheckMetaPages(const std::string& path);

// Walks every page reachable from the newest snapshot of `env` (in a read
// transaction of its own): the free-page tree and the main tree, and through
// it every named sub-database. Each page must be within the file, reached
// once, of the kind its depth needs (branch or leaf), with its nodes inside
// it; overflow pages within the file; free pages not also in a tree.
// nullopt when sound, else what is wrong, naming the page and the tree.
// Also nullopt, unchecked, when another process commits so fast that for two
// seconds every snapshot's meta page is overwritten before it can be read.
// Throws lmdb::error when no read transaction can begin (MDB_MAP_RESIZED:
// adopt the new size and call again).
std::optional<std::string> CheckPages(MDB_env* env);

}  // namespace annal::internal
