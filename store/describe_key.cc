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
  }
  return "a key";
}

}  // namespace annal::internal
