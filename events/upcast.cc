#include "events/upcast.h"

#include <algorithm>
#include <variant>

#include "events/declared.h"
#include "store/meta.h"

namespace annal::internal {
namespace {

// The wire name of a built-in record's union type.
template <size_t I = 0>
std::string_view BuiltInName(size_t index) {
  if constexpr (I < std::variant_size_v<EventBody>) {
    if (I == index) return std::variant_alternative_t<I, EventBody>::kType;
    return BuiltInName<I + 1>(index);
  } else {
    return {};
  }
}

std::string Describe(const Upcaster& u) {
  return "upcaster " + u.type + " from shape " + std::to_string(u.from_shape) +
         " (version " + std::to_string(u.version) + ")";
}

int64_t ShapeOf(const Event& ev) {
  if (auto* d = std::get_if<DeclaredEvent>(&ev.body)) return d->version;
  return ev.shape.value_or(1);
}

}  // namespace

UpcasterSet::UpcasterSet(std::vector<Upcaster> upcasters) {
  for (Upcaster& u : upcasters) {
    const bool built_in = IsBuiltInTypeName(u.type);
    if (!built_in && !IsDeclaredTypeName(u.type))
      throw std::invalid_argument(Describe(u) + ": \"" + u.type +
                                  "\" cannot name an event type");
    if (u.from_shape < 1 || (built_in && u.from_shape >= int64_t{UINT32_MAX}))
      throw std::invalid_argument(Describe(u) + ": shapes start at 1");
    if (u.version == 0)
      throw std::invalid_argument(Describe(u) + ": versions start at 1");
    if (!u.transform) throw std::invalid_argument(Describe(u) + " has no transform");
    auto& chain = by_type_[u.type];
    const int64_t from = u.from_shape;
    if (chain.contains(from))
      throw std::invalid_argument(Describe(u) + " reads the shape another upcaster of " +
                                  u.type + " reads");
    chain.emplace(from, std::move(u));
  }
}

std::optional<uint32_t> UpcasterSet::StampFor(std::string_view type) const {
  auto it = by_type_.find(type);
  if (it == by_type_.end()) return std::nullopt;
  return static_cast<uint32_t>(it->second.rbegin()->first + 1);
}

bool UpcasterSet::Reads(std::string_view type, int64_t shape) const {
  auto it = by_type_.find(type);
  return it != by_type_.end() && it->second.contains(shape);
}

bool UpcasterSet::Needs(const fbs::Record& rec) const {
  if (by_type_.empty()) return false;
  std::string_view type;
  int64_t shape = 1;
  if (rec.event_type() == fbs::Event::DeclaredEvent) {
    auto* d = rec.event_as_DeclaredEvent();
    type = d->type()->string_view();
    shape = d->version();
  } else {
    type = BuiltInName(static_cast<size_t>(rec.event_type()) - 1);
    shape = std::max<int64_t>(1, rec.shape());
  }
  auto it = by_type_.find(type);
  return it != by_type_.end() && shape <= it->second.rbegin()->first;
}

Event UpcasterSet::Upcast(Event ev, uint64_t seq) const {
  auto it = by_type_.find(ev.type());
  if (it == by_type_.end()) return ev;
  const auto& chain = it->second;
  const std::string type(ev.type());
  const size_t index = ev.body.index();
  const std::string at = " on the record at seq " + std::to_string(seq);
  for (auto u = chain.lower_bound(ShapeOf(ev)); u != chain.end(); ++u) {
    try {
      ev = u->second.transform(ev);
    } catch (const std::exception& e) {
      throw UpcastError(Describe(u->second) + " failed" + at + ": " + e.what());
    } catch (...) {
      throw UpcastError(Describe(u->second) + " failed" + at + " (not a std::exception)");
    }
    if (ev.body.index() != index || ev.type() != type) {
      throw UpcastError(Describe(u->second) + " returned an event of type \"" +
                        std::string(ev.type()) + "\"" + at +
                        "; an upcaster keeps the type");
    }
  }
  const int64_t current = chain.rbegin()->first + 1;
  if (auto* d = std::get_if<DeclaredEvent>(&ev.body)) {
    d->version = current;
    std::erase_if(d->fields, [](const auto& f) {
      return std::holds_alternative<std::monostate>(f.second);
    });
    std::sort(d->fields.begin(), d->fields.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    ev.shape.reset();
  } else {
    ev.shape = static_cast<uint32_t>(current);
  }
  return ev;
}

std::map<std::string, uint32_t> UpcasterSet::Versions() const {
  std::map<std::string, uint32_t> out;
  for (const auto& [type, chain] : by_type_) {
    for (const auto& [from, u] : chain) {
      out[std::string(kUpcastEntryPrefix) + type + "/" + std::to_string(from)] =
          u.version;
    }
  }
  return out;
}

}  // namespace annal::internal
