// CheckMetaPages (store/page_check.h): the two meta pages, read with pread
// before LMDB maps the file.
#include "store/page_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>
#include <utility>

#include "store/lmdb_layout.h"

namespace annal::internal {

using namespace lmdb_layout;

namespace lmdb_layout {

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

bool IsPageSize(uint32_t psize) {
  return psize >= 512 && psize <= 65536 && (psize & (psize - 1)) == 0;
}

std::optional<std::string> CheckMeta(const MetaRecord& m, int index) {
  const std::string at = "meta page " + N(index);
  if (m.magic != kMagic) return at + " lacks LMDB's magic";
  if (m.version != kDataVersion) return at + " has LMDB data version " + N(m.version);
  const uint32_t psize = m.dbs[0].pad;
  if (!IsPageSize(psize)) return at + " gives a page size of " + N(psize);
  // mdb_env_write_meta puts transaction t on page t % 2 (a new file holds
  // transaction 0 on both); a reader reads the page its id picks.
  if (m.txnid != 0 && (m.txnid & 1) != static_cast<uint64_t>(index))
    return at + " holds transaction " + N(m.txnid) + ", which belongs on meta page " +
           N(m.txnid & 1);
  if (m.last_page < 1) return at + " gives no last page";
  // No map can hold more (x86-64 user space): a larger one would overflow
  // LMDB's map size arithmetic.
  if (m.last_page >= (uint64_t{1} << 47) / psize)
    return at + " gives a last page (" + N(m.last_page) + ") past any map";
  if (auto p = CheckRoot(m.dbs[0], m.last_page, "the free-page")) return at + ": " + *p;
  if (auto p = CheckRoot(m.dbs[1], m.last_page, "the main")) return at + ": " + *p;
  return std::nullopt;
}

}  // namespace lmdb_layout

namespace {

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
  const std::optional<std::string> damaged0 = CheckMeta(m0, 0);
  if (damaged0 && !IsPageSize(psize)) return *damaged0;  // meta page 1 cannot be found
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
  const std::optional<std::string> damaged1 = CheckMeta(m1, 1);
  // A damaged meta page of an earlier transaction than an intact one is
  // never read: LMDB takes the later. LMDB itself leaves one so after a
  // failed meta write (it writes the old transaction id back over the new
  // page, mdb_env_write_meta), and the next commit rewrites it.
  if (damaged0 && (damaged1 || m0.txnid >= m1.txnid)) return *damaged0;
  if (damaged1 && (damaged0 || m1.txnid >= m0.txnid)) return *damaged1;
  if (!damaged0 && !damaged1 && m1.dbs[0].pad != psize)
    return "its two meta pages give different page sizes";
  // LMDB reads the meta page of the later transaction (page 0 on a tie).
  const MetaRecord& m = damaged0 ? m1 : damaged1 ? m0 : m1.txnid > m0.txnid ? m1 : m0;
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

}  // namespace annal::internal
