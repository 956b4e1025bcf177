// The rules of docs/events.md. CheckFields() holds the rules that look at one
// event alone (id shape, ranges, enum values); Admit() holds the rules that
// need what came before (exists, is new, is pending...) and records the
// event's effect in the registry sub-database, inside the caller's write
// transaction, so later events of the same batch see it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "annal/events.h"
#include "events/upcast.h"
#include "store/kv.h"

namespace annal::internal {

// Longest text field accepted (names, messages, reasons...): bounds what one
// hostile event can make the store hold. Ids have their own 256-byte limit.
inline constexpr size_t kMaxTextBytes = 64 * 1024;

// The broken rule, worded for a person, or nullopt when the event is well-formed.
std::optional<std::string> CheckFields(const Event& ev);

// Applies the stateful rules. One per writer (it keeps a scratch buffer);
// not thread-safe.
class Validator {
 public:
  // `upcasters` (the engine's, outliving this validator; none when null)
  // admit a declaration narrower than the current one when an upcaster
  // reads the current one, and stamp built-in events with their shape.
  explicit Validator(const UpcasterSet* upcasters = nullptr) : upcasters_(upcasters) {}

  // The broken rule, or nullopt when admitted (and then recorded in `kv`).
  std::optional<std::string> Admit(Kv& kv, const Event& ev);
  // The event last admitted as it must be logged: `ev` itself, or its
  // normalized form (a declared event's int given for a float field). Valid
  // until the next Admit.
  const Event& Logged(const Event& ev) const { return logged_ ? *logged_ : ev; }
  // The personal fields (annal/declared_events.h) of the event of your own
  // last admitted; empty after any other event. Valid until the next Admit.
  const std::vector<std::string>& Personal() const { return personal_; }

 private:
  const UpcasterSet* upcasters_;
  AlignedBuf buf_;
  std::optional<DeclaredEvent> declared_;
  std::vector<std::string> personal_;
  Event normalized_;
  const Event* logged_ = nullptr;
};

bool IsValidUtf8(std::string_view s);

// `ev` (logged at `seq`) through `upcasters` (UpcasterSet::Upcast), its
// result checked like an appended event's fields: UpcastError naming the
// upcaster otherwise.
Event UpcastChecked(const UpcasterSet& upcasters, Event ev, uint64_t seq);

}  // namespace annal::internal
