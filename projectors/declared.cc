#include "projectors/declared.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "events/record_codec.h"
#include "projectors/declared_row.h"
#include "store/entry_table.h"

namespace annal::internal {
namespace {

// One letter per key field ('i' int, bool as int; 's' str) and their names:
// what DescribeKey needs to name a key in a report.
std::string KeyTypes(const std::vector<FieldSpec>& fields) {
  std::string types;
  for (const FieldSpec& f : fields) types += f.type == FieldType::kStr ? 's' : 'i';
  return types;
}

std::string KeyNames(const std::vector<FieldSpec>& fields) {
  std::string names;
  for (const FieldSpec& f : fields) names += (names.empty() ? "" : ",") + f.name;
  return names;
}

// An index key's fields: the index's, then the table's key fields.
std::vector<FieldSpec> IndexKeyFields(const TableSpec& t, const IndexSpec& ix) {
  std::vector<FieldSpec> out;
  for (const IndexField& f : IndexFields(t, ix))
    out.push_back((f.in_key ? t.key : t.fields)[f.at]);
  out.insert(out.end(), t.key.begin(), t.key.end());
  return out;
}

// The rows Apply read or wrote since the Kv last flushed, decoded: a row
// that many events of a batch rewrite (a counter, a watcher's last tick) is
// decoded once and encoded once, when the Kv flushes, not once per event.
// Index entries are written at once; only the rows wait. Bound to one Kv at
// a time (HeldWrites): its flush writes them out, its end unflushed drops
// them with the batch. Looked up as the write-back buffer looks up its keys
// (store/entry_table.h); the last row found is remembered, since Apply
// mostly reads a row and then writes the same one.
class HeldRows final : public HeldWrites {
 public:
  struct Row {
    const DeclaredTable* table = nullptr;
    std::optional<Values> fields;  // nullopt: no row
    bool dirty = false;
  };

  explicit HeldRows(uint64_t mask) : mask_(mask) {}
  ~HeldRows() {
    if (kv_) kv_->Release(*this);
  }
  HeldRows(const HeldRows&) = delete;
  HeldRows& operator=(const HeldRows&) = delete;

  // Binds to the Kv of the record being applied; rows held for another Kv
  // are written out into that one first. False when `kv` holds nothing
  // back: then rows are read and written through.
  bool Bind(Kv& kv) {
    if (kv_ == &kv) return true;
    if (kv_) {
      Kv* old = kv_;
      WriteOut(*old);  // if it throws, `old` still drops this when it goes
      old->Release(*this);
    }
    if (kv.Hold(*this)) kv_ = &kv;
    return kv_ != nullptr;
  }

  // The held row of `key` in `t`, read from the Kv when not held yet
  // (`read`), or held as unknown-and-about-to-be-written (not `read`).
  Row& At(const DeclaredTable& t, uint8_t table_at, const keys::Key& key, bool read,
          AlignedBuf& buf) {
    lookup_.assign(1, static_cast<char>(table_at));
    lookup_.append(key.view());
    if (last_ < rows_.size() && index_.entries()[last_].key_view() == lookup_)
      return rows_[last_];
    const uint64_t hash = EntryTable::HashOf(lookup_);
    if (const EntryTable::Entry* e = index_.Find(lookup_, hash)) {
      last_ = static_cast<size_t>(e - index_.entries().data());
      return rows_[last_];
    }
    Row row{&t, std::nullopt, false};
    if (read && kv_->Get(t.db, key, buf)) row.fields = Decode(t, buf);
    index_.Insert(lookup_, hash, arena_);
    rows_.push_back(std::move(row));
    last_ = rows_.size() - 1;
    return rows_.back();
  }

  static Values Decode(const DeclaredTable& t, const AlignedBuf& buf) {
    auto row = DecodeTableRow(t.spec, buf.view());
    if (!row) throw CorruptionError("a damaged row in " + std::string(Spec(t.db).name));
    return std::move(*row);
  }

  // Past this many rows held, they are written out mid-batch (memory).
  void SpillIfLarge() {
    if (kv_ && rows_.size() > kMaxRows) WriteRows(*kv_);
  }

  void WriteOut(Kv& kv) override {
    WriteRows(kv);
    kv_ = nullptr;
  }
  void Drop() override {
    Clear();
    kv_ = nullptr;
  }

 private:
  static constexpr size_t kMaxRows = size_t{1} << 14;

  void WriteRows(Kv& kv) {
    kv.Restrict(mask_);
    for (size_t i = 0; i < rows_.size(); ++i) {
      const Row& row = rows_[i];
      if (!row.dirty) continue;
      const std::string_view key = index_.entries()[i].key_view().substr(1);
      if (row.fields) {
        kv.Put(row.table->db, key, EncodeTableRow(*row.fields, builder_));
      } else {
        kv.Del(row.table->db, key);
      }
    }
    Clear();
  }

  void Clear() {
    index_.Clear();
    arena_.Reset();
    rows_.clear();
    last_ = SIZE_MAX;
  }

  const uint64_t mask_;
  Kv* kv_ = nullptr;
  // Keyed by the table's place in the projection (a byte), then the key;
  // rows_[i] is the row of index_.entries()[i].
  Arena arena_;
  EntryTable index_;
  std::vector<Row> rows_;
  size_t last_ = SIZE_MAX;
  std::string lookup_;
  flatbuffers::FlatBufferBuilder builder_{256};
};

// Apply's view of the transaction: its own tables, every key and row
// checked against the declaration on the way in, the rows held decoded
// (HeldRows) when the Kv flushes, else read and written through.
class TableTx final : public ProjectionTx {
 public:
  TableTx(Kv& kv, const std::vector<DeclaredTable>& tables, HeldRows* held,
          AlignedBuf& buf, flatbuffers::FlatBufferBuilder& builder)
      : kv_(kv), tables_(tables), held_(held), buf_(buf), builder_(builder) {}

  std::optional<Values> Get(std::string_view table, const Values& key) override {
    const auto [t, at] = Find(table);
    const keys::Key k = EncodeTableKey(t.spec, key);
    if (held_) return held_->At(t, at, k, true, buf_).fields;
    if (!kv_.Get(t.db, k, buf_)) return std::nullopt;
    return HeldRows::Decode(t, buf_);
  }
  void Put(std::string_view table, const Values& key, const Values& fields) override {
    const auto [t, at] = Find(table);
    const keys::Key k = EncodeTableKey(t.spec, key);
    CheckTableRow(t.spec, fields);
    if (!held_) {
      if (!t.indexes.empty()) MoveIndexEntries(t, key, k, Old(t, k), &fields);
      kv_.Put(t.db, k, EncodeTableRow(fields, builder_));
      return;
    }
    HeldRows::Row& row = held_->At(t, at, k, !t.indexes.empty(), buf_);
    if (!t.indexes.empty()) MoveIndexEntries(t, key, k, row.fields, &fields);
    row.fields = fields;
    row.dirty = true;
  }
  bool Delete(std::string_view table, const Values& key) override {
    const auto [t, at] = Find(table);
    const keys::Key k = EncodeTableKey(t.spec, key);
    if (!held_) {
      if (!t.indexes.empty()) MoveIndexEntries(t, key, k, Old(t, k), nullptr);
      return kv_.Del(t.db, k);
    }
    HeldRows::Row& row = held_->At(t, at, k, true, buf_);
    if (!row.fields) return false;
    if (!t.indexes.empty()) MoveIndexEntries(t, key, k, row.fields, nullptr);
    row.fields.reset();
    row.dirty = true;
    return true;
  }

 private:
  std::optional<Values> Old(const DeclaredTable& t, const keys::Key& k) {
    if (!kv_.Get(t.db, k, buf_)) return std::nullopt;
    return HeldRows::Decode(t, buf_);
  }

  // The index entries of the row at `k`: those of its old fields removed,
  // those of its new ones (unless it is deleted) written.
  void MoveIndexEntries(const DeclaredTable& t, const Values& key, const keys::Key& k,
                        const std::optional<Values>& old, const Values* fields) {
    for (const DeclaredIndex& ix : t.indexes) {
      if (old) {
        if (auto ik = EncodeIndexKey(ix.fields, key, *old, k)) kv_.Del(ix.db, *ik);
      }
      if (fields) {
        if (auto ik = EncodeIndexKey(ix.fields, key, *fields, k)) kv_.Put(ix.db, *ik, {});
      }
    }
  }

  std::pair<const DeclaredTable&, uint8_t> Find(std::string_view table) const {
    for (size_t i = 0; i < tables_.size(); ++i) {
      if (tables_[i].spec.name == table) return {tables_[i], static_cast<uint8_t>(i)};
    }
    throw std::invalid_argument("no table " + std::string(table) + " in this projection");
  }

  Kv& kv_;
  const std::vector<DeclaredTable>& tables_;
  HeldRows* held_;
  AlignedBuf& buf_;
  flatbuffers::FlatBufferBuilder& builder_;
};

class Declared final : public Projector {
 public:
  explicit Declared(std::shared_ptr<Projection> p)
      : projection_(std::move(p)),
        name_(projection_->name()),
        version_(projection_->version()),
        tables_(DeclareTables(*projection_)),
        held_(MaskOwnedBy(name_)) {}

  std::string_view name() const override { return name_; }
  uint32_t version() const override { return version_; }
  void Apply(Kv& kv, const fbs::Record& rec) override {
    ApplyDecoded(kv, rec, DecodeRecord(rec));
  }
  void ApplyDecoded(Kv& kv, const fbs::Record&, const LoggedEvent& event) override {
    TableTx tx(kv, tables_, held_.Bind(kv) ? &held_ : nullptr, buf_, builder_);
    projection_->Apply(tx, event);
    held_.SpillIfLarge();
  }

 private:
  std::shared_ptr<Projection> projection_;
  const std::string name_;
  const uint32_t version_;
  const std::vector<DeclaredTable> tables_;
  // Scratch kept between records, to spare allocations.
  AlignedBuf buf_;
  flatbuffers::FlatBufferBuilder builder_{256};
  HeldRows held_;
};

}  // namespace

std::vector<DeclaredTable> DeclareTables(const Projection& p) {
  if (auto problem = CheckDeclaration(p)) throw std::invalid_argument(*problem);
  std::vector<DeclaredTable> out;
  const std::string name = p.name();
  for (TableSpec& t : p.tables()) {
    DeclaredTable d;
    d.db = InternDeclaredDb(TableDbName(name, t.name), name, KeyTypes(t.key),
                            KeyNames(t.key));
    for (const IndexSpec& ix : t.indexes) {
      const std::vector<FieldSpec> fields = IndexKeyFields(t, ix);
      d.indexes.push_back(
          {ix.name, IndexFields(t, ix),
           InternDeclaredDb(IndexDbName(name, t.name, ix.name), name, KeyTypes(fields),
                            KeyNames(fields), Role::kIndex)});
    }
    d.spec = std::move(t);
    out.push_back(std::move(d));
  }
  return out;
}

std::unique_ptr<Projector> MakeDeclaredProjector(std::shared_ptr<Projection> p) {
  return std::make_unique<Declared>(std::move(p));
}

}  // namespace annal::internal
