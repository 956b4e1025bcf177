// Personal data in the log (docs/security.md, "Erasure"): the personal
// fields of an event, and their sealed form. An event appended with a
// `subject` has each personal field (its actor, an approval's context, an
// alarm's message) logged sealed: AES-256-GCM under the subject's key, the
// nonce random (events/sealed.cc says why), the subject as associated data.
// The sealed bytes are made once, at append: replay, recovery and replicas
// take them from the log.
// Projections copy sealed values as they are; reads open them with the key
// while it exists, and show them erased once `forget` has destroyed it.
//
// A sealed value is text: "\x01S:" subject "\x01" base64(nonce, ciphertext,
// tag). No value given at the front door may begin with "\x01".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "annal/events.h"

namespace annal::internal {

using SubjectKey = std::array<uint8_t, 32>;

// [A-Za-z0-9:._@/+-]{1,128}: an opaque id, logged in clear beside each
// sealed value (docs/security.md).
bool IsSubjectName(std::string_view name);

inline bool LooksSealed(std::string_view v) { return !v.empty() && v[0] == '\x01'; }

// A new random key (OpenSSL's RAND_bytes); std::runtime_error when the
// generator fails.
SubjectKey NewSubjectKey();

// std::runtime_error when OpenSSL fails (no randomness, no cipher).
std::string Seal(std::string_view plain, std::string_view subject, const SubjectKey& key);

// The subject a sealed value belongs to; nullopt when `v` is not one.
std::optional<std::string_view> SealedSubject(std::string_view v);
// The plain value, or nullopt when the key does not open it (another key:
// the subject was forgotten, and perhaps seen again since).
std::optional<std::string> Unseal(std::string_view v, const SubjectKey& key);

// AES-256-GCM under `key` with `aad` as associated data: base64(random
// nonce, ciphertext, tag). Seal's core, and how a replica's subject keys
// travel wrapped (annal/replication.h). Decrypt: nullopt when the key does
// not open it or a byte was changed.
std::string Encrypt(std::string_view plain, std::string_view aad, const SubjectKey& key);
std::optional<std::string> Decrypt(std::string_view encrypted, std::string_view aad,
                                   const SubjectKey& key);

// The personal fields of `ev` (an Event, or a const one) that hold a value:
// its actor, then its body's. visit(name, value, holder) gets each value
// and, for an optional field, the optional that holds it (nullptr for a
// required one). Allocates nothing: it runs for every appended and read event.
template <class E, class Visit>
void ForEachPersonal(E& ev, Visit&& visit) {
  if (ev.actor) visit(std::string_view("actor"), *ev.actor, &ev.actor);
  if (auto* a = std::get_if<ApprovalRequested>(&ev.body)) {
    if (a->context) visit(std::string_view("context"), *a->context, &a->context);
  } else if (auto* a = std::get_if<AlarmRaised>(&ev.body)) {
    visit(std::string_view("message"), a->message, decltype(&ev.actor){});
  }
}

}  // namespace annal::internal
