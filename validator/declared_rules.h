// The stateful rules of events of your own (docs/events.md, "Events of your
// own"): a declaration against the type's current one, and an event against
// its type's declaration. The current declaration of each type is a
// registry entry (kind 'E': the version, u64 little-endian, then the field
// list's text), so a replay rebuilds it from the log like every other.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "annal/events.h"
#include "events/upcast.h"
#include "store/kv.h"

namespace annal::internal {

// A declaration's registry value, and back (nullopt: not one).
std::string EncodeDeclaration(const EventTypeDeclared& d);
std::optional<EventTypeDeclared> DecodeDeclaration(std::string_view type,
                                                   std::string_view value);

// The current declaration of `type`, if it is declared.
std::optional<EventTypeDeclared> LoadDeclaration(Kv& kv, std::string_view type,
                                                 AlignedBuf& buf);

// Version 1 of a new type, the current version again unchanged, or the
// next one adding optional fields at the end, or any next one when one of
// `upcasters` reads the current version; recorded in the registry.
std::optional<std::string> AdmitDeclaration(Kv& kv, const EventTypeDeclared& d,
                                            AlignedBuf& buf,
                                            const UpcasterSet* upcasters);

// Every field declared and of its declared type, every required one given.
// `*logged` is the event as it must be logged, when that is not `e` as
// given: stamped with the declaration's version, a float field given an int
// holding that float. `*personal`: the names of the type's personal fields.
std::optional<std::string> AdmitDeclared(Kv& kv, const DeclaredEvent& e, AlignedBuf& buf,
                                         std::optional<DeclaredEvent>* logged,
                                         std::vector<std::string>* personal);

}  // namespace annal::internal
