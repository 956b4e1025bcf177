#include "python/src/schema.h"

#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "annal/events.h"
#include "annal/rows.h"

namespace annal::binding {
namespace {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {
  using Inner = T;
};

template <class T>
FieldInfo Describe(std::string_view name) {
  if constexpr (IsOptional<T>::value) {
    FieldInfo f = Describe<typename IsOptional<T>::Inner>(name);
    f.optional = true;
    return f;
  } else {
    FieldInfo f{std::string(name), "", false, {}};
    if constexpr (std::is_same_v<T, bool>) {
      f.kind = "bool";
    } else if constexpr (std::is_enum_v<T>) {
      f.kind = "enum";
      for (auto n : EnumNames<T>::kNames) f.choices.emplace_back(n);
    } else if constexpr (std::is_integral_v<T>) {
      f.kind = "int";
    } else {
      static_assert(std::is_convertible_v<T, std::string_view>, "a field of a new kind");
      f.kind = "str";
    }
    return f;
  }
}

template <class S>
TypeInfo Fields(std::string_view name) {
  TypeInfo t{std::string(name), {}};
  S s{};
  S::Fields(s, [&](std::string_view field, auto& member) {
    t.fields.push_back(Describe<std::remove_cvref_t<decltype(member)>>(field));
  });
  return t;
}

}  // namespace

std::vector<TypeInfo> EventSchema() {
  std::vector<TypeInfo> out;
  // (DeclaredEvent, whose kType is empty, has no class: a declared
  // event is a dict of its own fields.)
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((std::variant_alternative_t<I, EventBody>::kType.empty()
          ? void()
          : out.push_back(Fields<std::variant_alternative_t<I, EventBody>>(
                std::variant_alternative_t<I, EventBody>::kType))),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<EventBody>>());
  return out;
}

std::vector<TypeInfo> RowSchema() {
  return {Fields<ActiveTaskRow>("active_tasks"),
          Fields<ScheduleRow>("schedules"),
          Fields<WatcherRow>("watchers"),
          Fields<RuleRow>("rules"),
          Fields<IntegrationRow>("integrations"),
          Fields<ApprovalRow>("approvals"),
          Fields<QueueDepthRow>("queue_depth"),
          Fields<AutonomyCurrentRow>("autonomy_current"),
          Fields<AutonomyChangeRow>("autonomy_history"),
          Fields<AlarmRow>("alarms")};
}

}  // namespace annal::binding
