#include "store/describe_key.h"

#include "store/keys.h"

namespace annal::internal {
namespace {

std::string Quoted(std::string_view id) { return "\"" + std::string(id) + "\""; }

std::string_view KindName(char letter) {
  for (const EntityKindSpec& k : kEntityKinds) {
    if (static_cast<char>(k.kind) == letter) return k.name;
  }
  return "entity";
}

// Alarm states as idx_alarms_by_state stores them (AlarmState in rows.h).
std::string_view StateName(uint8_t state) {
  static constexpr std::string_view kStates[] = {"open", "acked", "resolved"};
  return state < 3 ? kStates[state] : "?";
}

// A declared key: each field named (entity: the names, comma-separated)
// and decoded by its type (detail: 'i' or 's' per field).
std::string DescribeFields(const DbSpec& spec, std::string_view key) {
  keys::FieldReader r(key);
  std::string out;
  std::string_view names = spec.entity;
  for (char type : spec.detail) {
    const size_t comma = names.find(',');
    if (!out.empty()) out += ", ";
    out += std::string(names.substr(0, comma)) + " ";
    names = comma == std::string_view::npos ? "" : names.substr(comma + 1);
    if (type == 'i') {
      auto v = r.Int();
      if (!v) return "a malformed key of " + std::to_string(key.size()) + " bytes";
      out += std::to_string(*v);
    } else {
      auto v = r.Str();
      if (!v) return "a malformed key of " + std::to_string(key.size()) + " bytes";
      out += Quoted(*v);
    }
  }
  if (!r.done()) return "a malformed key of " + std::to_string(key.size()) + " bytes";
  return out;
}

}  // namespace

std::string DescribeKey(Db db, std::string_view key) {
  if (key.size() < 8)
    return "a malformed key of " + std::to_string(key.size()) + " bytes";
  const DbSpec& spec = Spec(db);
  const keys::Decoded k = keys::Decode(spec.key, key);
  const std::string entity(spec.entity), detail(spec.detail);
  switch (spec.key) {
    case KeyShape::kName:
    case KeyShape::kId:
      return entity + " " + Quoted(k.id);
    case KeyShape::kSeq:
      if (k.number == 0 && !detail.empty()) return detail;
      return entity + " " + std::to_string(k.number);
    case KeyShape::kRegistry:
      return std::string(KindName(k.kind)) + " " + Quoted(k.id);
    case KeyShape::kTimeId:
      return entity + " " + Quoted(k.id) + " " + detail + " " + std::to_string(k.time);
    case KeyShape::kStateId:
      return entity + " " + Quoted(k.id) + " " + detail + " " +
             std::string(StateName(k.state));
    case KeyShape::kSeqId:
      return entity + " " + Quoted(k.id) + " " + detail + " " + std::to_string(k.number);
    case KeyShape::kFields:
      return DescribeFields(spec, key);
  }
  return "a key";
}

}  // namespace annal::internal
