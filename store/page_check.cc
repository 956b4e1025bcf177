// The checks of store/page_check.h over LMDB 0.9's page layout. Every value
// is copied out of the page (memcpy) before use: the bytes are untrusted and
// need not be aligned.
#include "store/page_check.h"

#include <fcntl.h>
#include <lmdb++.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace annal::internal {
namespace {

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

std::string N(uint64_t v) { return std::to_string(v); }

std::optional<std::string> CheckRoot(const DbRecord& db, uint64_t last,
                                     const char* which) {
  if (db.root == kNoPage) {
    if (db.depth != 0) return std::string(which) + " tree is empty but has a depth";
    return std::nullopt;
  }
  if (db.root < 2 || db.root > last)
    return std::string(which) + " tree's root page " + N(db.root) +
           " is outside the file";
  if (db.depth == 0 || db.depth > kMaxDepth)
    return std::string(which) + " tree has depth " + N(db.depth);
  return std::nullopt;
}

// The meta page's checks that do not need the rest of the file.
std::optional<std::string> CheckMeta(const MetaRecord& m, int index) {
  const std::string at = "meta page " + N(index);
  if (m.magic != kMagic) return at + " lacks LMDB's magic";
  if (m.version != kDataVersion) return at + " has LMDB data version " + N(m.version);
  const uint32_t psize = m.dbs[0].pad;
  if (psize < 512 || psize > 65536 || (psize & (psize - 1)) != 0)
    return at + " gives a page size of " + N(psize);
  if (m.last_page < 1) return at + " gives no last page";
  // No map can hold more (x86-64 user space): a larger one would overflow
  // LMDB's map size arithmetic.
  if (m.last_page >= (uint64_t{1} << 47) / psize)
    return at + " gives a last page (" + N(m.last_page) + ") past any map";
  if (auto p = CheckRoot(m.dbs[0], m.last_page, "the free-page")) return at + ": " + *p;
  if (auto p = CheckRoot(m.dbs[1], m.last_page, "the main")) return at + ": " + *p;
  return std::nullopt;
}

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
  if (m.txnid != txnid) return kMoved;
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

constexpr std::string_view kEmpty =
    "it is empty (0 bytes): the store's creation was cut short, or the file was "
    "truncated; nothing can be read from it";

// One look at the file. The meta pages are read before the file's size: a
// writer in another process writes a commit's pages before its meta page, so
// a size read after the meta page covers every root that page names (read
// the other way round, a commit in between looks like a truncated file).
std::optional<std::string> CheckMetaPagesOnce(int fd) {
  char buf[2][kPageHeader + sizeof(MetaRecord)];
  ssize_t got[2] = {-1, -1};
  got[0] = ::pread(fd, buf[0], sizeof buf[0], 0);
  if (got[0] < 0) return std::nullopt;  // LMDB will say why it cannot read it
  if (got[0] == 0) return std::string(kEmpty);
  const auto h0 = Load<PageHeader>(buf[0]);
  const auto m0 = Load<MetaRecord>(buf[0] + kPageHeader);
  if (got[0] < static_cast<ssize_t>(sizeof buf[0]) || !(h0.flags & kMetaPage) ||
      m0.magic != kMagic || m0.version != kDataVersion) {
    // LMDB's second meta page where a page size puts it: an LMDB file whose
    // first page is damaged. Else not LMDB's: mdb_env_open refuses it.
    for (uint64_t psize = 4096; psize <= 65536; psize *= 2) {
      if (::pread(fd, buf[1], sizeof buf[1], static_cast<off_t>(psize)) !=
          static_cast<ssize_t>(sizeof buf[1]))
        break;
      const auto h1 = Load<PageHeader>(buf[1]);
      const auto m1 = Load<MetaRecord>(buf[1] + kPageHeader);
      if ((h1.flags & kMetaPage) && h1.pgno == 1 && m1.magic == kMagic &&
          m1.dbs[0].pad == psize) {
        return "meta page 0 is damaged (meta page 1 is intact)";
      }
    }
    return std::nullopt;
  }
  const uint32_t psize = m0.dbs[0].pad;
  if (auto p = CheckMeta(m0, 0)) return *p;
  got[1] = ::pread(fd, buf[1], sizeof buf[1], psize);
  struct stat st;
  if (::fstat(fd, &st) != 0) return std::nullopt;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < 2 * uint64_t{psize} || got[1] < static_cast<ssize_t>(sizeof buf[1])) {
    return "it is " + N(size) + " bytes, shorter than its two meta pages (" +
           N(2 * psize) + " bytes)";
  }
  const auto h1 = Load<PageHeader>(buf[1]);
  const auto m1 = Load<MetaRecord>(buf[1] + kPageHeader);
  if (h0.pgno != 0) return "meta page 0 says it is page " + N(h0.pgno);
  if (!(h1.flags & kMetaPage) || h1.pgno != 1) return "meta page 1 is not a meta page";
  if (auto p = CheckMeta(m1, 1)) return *p;
  if (m1.dbs[0].pad != psize) return "its two meta pages give different page sizes";
  // LMDB reads the meta page of the later transaction (page 0 on a tie).
  const MetaRecord& m = m1.txnid > m0.txnid ? m1 : m0;
  // The file may end before last_page (pages allocated and freed unwritten
  // in one commit), never before a root: the walk checks every other page.
  for (int i = 0; i < 2; ++i) {
    const uint64_t root = m.dbs[i].root;
    if (root != kNoPage && root >= size / psize) {
      return "it is truncated: " + N(size) + " bytes, but the root page " + N(root) +
             " of its " + (i == 0 ? "free-page" : "main") + " tree (txn " + N(m.txnid) +
             ") lies past its end";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckMetaPages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // missing, or LMDB will say why it cannot open it
  // Another process may be writing while we look: a meta page read as it is
  // rewritten may be torn, and a file just created by another opener is
  // empty until it writes its meta pages (it holds LMDB's lock meanwhile,
  // which we do not take). So damage counts when a later look finds the
  // same: 1 ms later, or for an empty file, after up to 200 ms.
  std::optional<std::string> problem = CheckMetaPagesOnce(fd);
  for (int look = 0; problem && look < 200; ++look) {
    ::usleep(1000);
    std::optional<std::string> again = CheckMetaPagesOnce(fd);
    const bool empty = again && again->starts_with(kEmpty);
    if (again == problem && !empty) break;
    problem = std::move(again);
  }
  ::close(fd);
  return problem;
}

std::optional<std::string> CheckPages(MDB_env* env) {
  MDB_stat st;
  mdb_filehandle_t fd;
  if (mdb_env_stat(env, &st) != MDB_SUCCESS || mdb_env_get_fd(env, &fd) != MDB_SUCCESS)
    return "LMDB could not describe it";
  const size_t psize = st.ms_psize;
  // A read transaction reads the meta page its txn id selects; a writer may
  // overwrite that page (two commits later) while we look: then again.
  for (int attempt = 0;; ++attempt) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn); rc != MDB_SUCCESS)
      lmdb::error::raise("mdb_txn_begin", rc);
    std::optional<std::string> problem = CheckSnapshot(fd, psize, mdb_txn_id(txn));
    mdb_txn_abort(txn);
    if (problem && *problem == kMoved && attempt < 100) continue;
    return problem;
  }
}

}  // namespace annal::internal
