// CheckPages (store/page_check.h): every page reachable from the newest
// snapshot, walked through a mapping of our own.
#include <lmdb++.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/lmdb_layout.h"
#include "store/page_check.h"

namespace annal::internal {

using namespace lmdb_layout;

namespace {

// Walks the trees of one snapshot over the map.
class Walker {
 public:
  // `file_bytes`: the file may end before `last` (LMDB counts pages it
  // allocated and freed again unwritten), but no page in use may lie past it.
  Walker(const char* map, size_t psize, uint64_t last, uint64_t file_bytes)
      : map_(map),
        psize_(psize),
        last_(last),
        file_bytes_(file_bytes),
        seen_(std::min<uint64_t>(last + 1, file_bytes / psize), 0) {}

  // Each returns false with problem() set at the first damage found.
  bool Tree(const DbRecord& db, const std::string& name, bool is_main, bool is_free) {
    if (auto p = CheckRoot(db, last_, ("the " + name).c_str())) return Fail(*p);
    if (db.root == kNoPage) return true;
    return Page(db.root, 1, db.depth, name, is_main, is_free);
  }
  bool FreePagesAreNotInUse() {
    for (uint64_t pgno : free_) {
      if (pgno >= seen_.size()) continue;  // never written, so never in use
      if (seen_[pgno])
        return Fail("page " + N(pgno) + " is listed free twice, or is free and in use");
      seen_[pgno] = 1;
    }
    return true;
  }
  const std::string& problem() const { return problem_; }

 private:
  // Where damage was found: built into words only when there is some, so
  // that a sound file costs no string per page.
  struct Where {
    uint64_t pgno;
    const std::string* tree;
    int64_t node = -1;
  };
  bool Fail(std::string p) {
    problem_ = std::move(p);
    return false;
  }
  bool Fail(const Where& at, const std::string& what) {
    std::string p = "page " + N(at.pgno) + " of " + *at.tree;
    if (at.node >= 0) p += ", node " + N(static_cast<uint64_t>(at.node));
    return Fail(p + " " + what);
  }
  bool Claim(uint64_t pgno, const std::string& tree) {
    if (pgno < 2 || pgno > last_)
      return Fail("page " + N(pgno) + " of " + tree + " is outside the file");
    if (!Written(pgno)) return Truncated(pgno, tree);
    if (seen_[pgno])
      return Fail("page " + N(pgno) + " is reached twice (in " + tree + ")");
    seen_[pgno] = 1;
    return true;
  }
  bool Written(uint64_t pgno) const { return pgno < file_bytes_ / psize_; }
  bool Truncated(uint64_t pgno, const std::string& tree) {
    return Fail("it is truncated: page " + N(pgno) + " of " + tree +
                " lies past its end (" + N(file_bytes_) + " bytes)");
  }
  const char* At(uint64_t pgno) const { return map_ + pgno * psize_; }

  bool Page(uint64_t pgno, unsigned level, unsigned depth, const std::string& tree,
            bool is_main, bool is_free) {
    if (!Claim(pgno, tree)) return false;
    const char* page = At(pgno);
    const auto h = Load<PageHeader>(page);
    const Where where{pgno, &tree};
    if (h.pgno != pgno) return Fail(where, "says it is page " + N(h.pgno));
    const uint16_t want = level < depth ? kBranch : kLeaf;
    if ((h.flags & kKinds) != want)
      return Fail(where, std::string("should be a ") +
                             (want == kBranch ? "branch" : "leaf") +
                             " page but has flags " + N(h.flags));
    if (h.lower < kPageHeader || h.lower > h.upper || h.upper > psize_ ||
        (h.lower - kPageHeader) % 2 != 0) {
      return Fail(where, "has its free space at " + N(h.lower) + ".." + N(h.upper));
    }
    const size_t keys = (h.lower - kPageHeader) / 2;
    if (want == kBranch && keys < (is_free ? 1u : 2u))
      return Fail(where, "is a branch of " + N(keys) + " key(s)");
    if (want == kLeaf && keys == 0) return Fail(where, "is an empty leaf");
    for (size_t i = 0; i < keys; ++i) {
      const size_t off = Load<uint16_t>(page + kPageHeader + 2 * i);
      const Where node{pgno, &tree, static_cast<int64_t>(i)};
      if (off < h.upper || off % 2 != 0 || off + kNodeHeader > psize_)
        return Fail(node, "is at offset " + N(off));
      const auto n = Load<NodeHeader>(page + off);
      const size_t data_at = off + kNodeHeader + n.key_size;
      if (n.key_size > kMaxKey || data_at > psize_)
        return Fail(node, "has a key of " + N(n.key_size) + " bytes");
      if (want == kBranch) {
        const uint64_t child = n.lo | (uint64_t{n.hi} << 16) | (uint64_t{n.flags} << 32);
        if (!Page(child, level + 1, depth, tree, is_main, is_free)) return false;
        continue;
      }
      if (!Leaf(page, n, data_at, node, tree, is_main, is_free)) return false;
    }
    return true;
  }

  bool Leaf(const char* page, const NodeHeader& n, size_t data_at, const Where& node,
            const std::string& tree, bool is_main, bool is_free) {
    const size_t size = n.lo | (size_t{n.hi} << 16);
    if (n.flags & kDupData) return Fail(node, "holds duplicates (annal stores none)");
    if ((n.flags & kSubData) && !is_main) return Fail(node, "names a sub-database");
    if (n.flags & ~(kBigData | kSubData)) return Fail(node, "has flags " + N(n.flags));
    const char* data = page + data_at;
    if (n.flags & kBigData) {
      if (data_at + sizeof(uint64_t) > psize_) return Fail(node, "runs past its page");
      data = Overflow(Load<uint64_t>(data), size, node, tree);
      if (!data) return false;
    } else if (data_at + size > psize_) {
      return Fail(node, "has " + N(size) + " bytes of data, past its page");
    }
    if (n.flags & kSubData) {
      if (n.flags & kBigData || size != sizeof(DbRecord))
        return Fail(node, "is not a sub-database record");
      const auto db = Load<DbRecord>(data);
      if (db.flags != 0) return Fail(node, "gives its sub-database flags " + N(db.flags));
      std::string name;
      for (size_t k = 0; k < n.key_size; ++k) {
        const char c = page[data_at - n.key_size + k];
        name += c >= 0x20 && c < 0x7f ? c : '?';
      }
      return Tree(db, "sub-database " + name, false, false);
    }
    if (is_free) {  // an IDL: a count, then that many page numbers
      const uint64_t count = size >= 8 ? Load<uint64_t>(data) : 0;
      // A record may be longer than its list (LMDB reserves room first).
      if (size < 8 || count > size / 8 - 1)
        return Fail(node, "is not a list of free pages");
      for (uint64_t i = 1; i <= count; ++i) {
        const uint64_t pgno = Load<uint64_t>(data + 8 * i);
        if (pgno < 2 || pgno > last_)
          return Fail(node, "lists free page " + N(pgno) + ", outside the file");
        free_.push_back(pgno);
      }
    }
    return true;
  }

  // The first byte of a value held on overflow pages, or nullptr.
  const char* Overflow(uint64_t pgno, size_t size, const Where& node,
                       const std::string& tree) {
    if (pgno < 2 || pgno > last_)
      return Fail(node, "has its overflow page " + N(pgno) + " outside the file"),
             nullptr;
    if (!Written(pgno)) return Truncated(pgno, tree), nullptr;
    const char* page = At(pgno);
    const auto h = Load<PageHeader>(page);
    const uint32_t pages = Load<uint32_t>(page + 12);
    if (h.pgno != pgno || (h.flags & kKinds) != kOverflow || pages == 0 ||
        pages > last_ - pgno + 1 || size > pages * psize_ - kPageHeader) {
      return Fail(node, "has a damaged overflow page " + N(pgno)), nullptr;
    }
    for (uint64_t p = pgno; p < pgno + pages; ++p)
      if (!Claim(p, tree)) return nullptr;
    return page + kPageHeader;
  }

  const char* map_;
  const size_t psize_;
  const uint64_t last_;
  const uint64_t file_bytes_;
  std::vector<uint8_t> seen_;
  std::vector<uint64_t> free_;
  std::string problem_;
};

// The pages of the snapshot of transaction `txnid`, through a mapping of
// our own (LMDB does not tell where its map is). kMoved: the meta page of
// that snapshot has since been overwritten.
const std::string kMoved = "its meta page keeps changing under a reader";

std::optional<std::string> CheckSnapshot(int fd, size_t psize, uint64_t txnid) {
  struct stat file;
  if (::fstat(fd, &file) != 0) return "its size cannot be read";
  const uint64_t size = static_cast<uint64_t>(file.st_size);
  if (size < 2 * psize) return "it is shorter than its two meta pages";
  MetaRecord m;
  if (::pread(fd, &m, sizeof m, (txnid & 1) * psize + kPageHeader) != sizeof m)
    return "its meta page cannot be read";
  if (m.txnid > txnid) return kMoved;
  if (m.txnid < txnid) {
    return "meta page " + std::to_string(txnid & 1) + " holds transaction " +
           std::to_string(m.txnid) + ", older than the " + std::to_string(txnid) +
           " LMDB reads from it";
  }
  if (auto p = CheckMeta(m, static_cast<int>(txnid & 1))) return *p;
  // Mapped to the last page even past the file's end: only pages in use are
  // touched, and those are checked to lie within it first.
  const size_t length = std::min<uint64_t>(m.last_page + 1, size / psize) * psize;
  void* map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED)
    return std::string("it cannot be mapped: ") + std::strerror(errno);
  Walker walk(static_cast<const char*>(map), psize, m.last_page, size);
  std::optional<std::string> problem;
  if (!walk.Tree(m.dbs[0], "free-page tree", false, true) ||
      !walk.Tree(m.dbs[1], "main tree", true, false) || !walk.FreePagesAreNotInUse()) {
    problem = walk.problem();
  }
  ::munmap(map, length);
  return problem;
}

}  // namespace

std::optional<std::string> CheckPages(MDB_env* env) {
  MDB_stat st;
  mdb_filehandle_t fd;
  if (mdb_env_stat(env, &st) != MDB_SUCCESS || mdb_env_get_fd(env, &fd) != MDB_SUCCESS)
    return "LMDB could not describe it";
  const size_t psize = st.ms_psize;
  // A read transaction reads the meta page its txn id selects; a writer may
  // overwrite that page (two commits later) while we look: then again, at
  // other moments. A writer that keeps committing faster than we can start
  // (CI saw 101 misses in a row under TSan) shows the file works: after
  // two seconds of tries the walk is skipped, not the store refused.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (int attempt = 0;; ++attempt) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn); rc != MDB_SUCCESS)
      lmdb::error::raise("mdb_txn_begin", rc);
    std::optional<std::string> problem = CheckSnapshot(fd, psize, mdb_txn_id(txn));
    mdb_txn_abort(txn);
    if (!problem || *problem != kMoved) return problem;
    if (std::chrono::steady_clock::now() > give_up) return std::nullopt;
    if (attempt >= 20)
      std::this_thread::sleep_for(std::chrono::microseconds(100 * (attempt % 10)));
  }
}

}  // namespace annal::internal
