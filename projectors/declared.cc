#include "projectors/declared.h"

#include <stdexcept>

#include "events/record_codec.h"
#include "projectors/declared_row.h"

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

// Apply's view of the transaction: its own tables, every key and row
// checked against the declaration on the way in.
class TableTx final : public ProjectionTx {
 public:
  TableTx(Kv& kv, const std::vector<DeclaredTable>& tables, AlignedBuf& buf,
          flatbuffers::FlatBufferBuilder& builder)
      : kv_(kv), tables_(tables), buf_(buf), builder_(builder) {}

  std::optional<Values> Get(std::string_view table, const Values& key) override {
    const DeclaredTable& t = Find(table);
    if (!kv_.Get(t.db, EncodeTableKey(t.spec, key), buf_)) return std::nullopt;
    auto row = DecodeTableRow(t.spec, buf_.view());
    if (!row) throw CorruptionError("a damaged row in " + std::string(Spec(t.db).name));
    return row;
  }
  void Put(std::string_view table, const Values& key, const Values& fields) override {
    const DeclaredTable& t = Find(table);
    const keys::Key k = EncodeTableKey(t.spec, key);
    const std::string_view row = EncodeTableRow(t.spec, fields, builder_);
    if (!t.indexes.empty()) {
      RemoveFromIndexes(t, key, k);
      for (const DeclaredIndex& ix : t.indexes) {
        if (auto ik = EncodeIndexKey(ix.fields, key, fields, k)) kv_.Put(ix.db, *ik, {});
      }
    }
    kv_.Put(t.db, k, row);
  }
  bool Delete(std::string_view table, const Values& key) override {
    const DeclaredTable& t = Find(table);
    const keys::Key k = EncodeTableKey(t.spec, key);
    if (!t.indexes.empty()) RemoveFromIndexes(t, key, k);
    return kv_.Del(t.db, k);
  }

 private:
  // The index entries of the row at `k`, if there is one.
  void RemoveFromIndexes(const DeclaredTable& t, const Values& key, const keys::Key& k) {
    if (!kv_.Get(t.db, k, buf_)) return;
    auto old = DecodeTableRow(t.spec, buf_.view());
    if (!old) throw CorruptionError("a damaged row in " + std::string(Spec(t.db).name));
    for (const DeclaredIndex& ix : t.indexes) {
      if (auto ik = EncodeIndexKey(ix.fields, key, *old, k)) kv_.Del(ix.db, *ik);
    }
  }

  const DeclaredTable& Find(std::string_view table) const {
    for (const DeclaredTable& t : tables_) {
      if (t.spec.name == table) return t;
    }
    throw std::invalid_argument("no table " + std::string(table) + " in this projection");
  }

  Kv& kv_;
  const std::vector<DeclaredTable>& tables_;
  AlignedBuf& buf_;
  flatbuffers::FlatBufferBuilder& builder_;
};

class Declared final : public Projector {
 public:
  explicit Declared(std::shared_ptr<Projection> p)
      : projection_(std::move(p)),
        name_(projection_->name()),
        version_(projection_->version()),
        tables_(DeclareTables(*projection_)) {}

  std::string_view name() const override { return name_; }
  uint32_t version() const override { return version_; }
  void Apply(Kv& kv, const fbs::Record& rec) override {
    TableTx tx(kv, tables_, buf_, builder_);
    projection_->Apply(tx, DecodeRecord(rec));
  }

 private:
  std::shared_ptr<Projection> projection_;
  const std::string name_;
  const uint32_t version_;
  const std::vector<DeclaredTable> tables_;
  // Scratch kept between records, to spare allocations.
  AlignedBuf buf_;
  flatbuffers::FlatBufferBuilder builder_{256};
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
