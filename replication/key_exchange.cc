// The subject keys' request/reply (replication/key_exchange.h).
#include "replication/key_exchange.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/hex.h"
#include "replication/nats_handles.h"

namespace annal::replication {
namespace {

constexpr std::string_view kMagic = "annal-keys 1";
constexpr int64_t kRequestTimeoutMs = 2000;
constexpr auto kRetryEvery = std::chrono::seconds(2);
// Subjects in one request: an answer stays well inside NATS's 1 MB payload.
constexpr size_t kMaxSubjects = 4096;

// The lines of `text`, the first split off.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool PlainToken(std::string_view s) {
  return !s.empty() && s.find_first_of(" \n\r\t") == std::string_view::npos;
}

}  // namespace

Result<KeyEncryptionKey> ReadKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::InvalidInput("key file " + path + " cannot be read");
  if (st.st_mode & S_IROTH) {
    return Status::InvalidInput("key file " + path +
                                " may be read by every user: chmod o-r it (it opens "
                                "every subject's key on the stream's way)");
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  KeyEncryptionKey kek;
  if (bytes.size() == kek.size()) {
    std::copy(bytes.begin(), bytes.end(), kek.begin());
    return kek;
  }
  std::string_view text(bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  auto raw = text.size() == 2 * kek.size() ? common::Unhex(text) : std::nullopt;
  if (!raw) {
    return Status::InvalidInput("key file " + path +
                                " holds neither 32 bytes nor 64 hex digits (make one: "
                                "head -c 32 /dev/urandom > FILE)");
  }
  std::copy(raw->begin(), raw->end(), kek.begin());
  return kek;
}

std::string KeyRequest(const std::set<std::string>& subjects) {
  std::string text(kMagic);
  for (const std::string& s : subjects) (text += '\n') += s;
  return text;
}

std::optional<std::vector<std::string>> ParseKeyRequest(std::string_view text) {
  auto lines = Lines(text);
  if (lines.empty() || lines[0] != kMagic || lines.size() - 1 > kMaxSubjects)
    return std::nullopt;
  std::vector<std::string> subjects;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (!PlainToken(lines[i])) return std::nullopt;
    subjects.emplace_back(lines[i]);
  }
  return subjects;
}

std::string KeyAnswer(const StoreReplication::WrappedSubjectKeys& keys) {
  std::string text(kMagic);
  text += ' ' + std::to_string(keys.read_at);
  for (const auto& [subject, wrapped] : keys.keys)
    text += '\n' + subject + ' ' + (wrapped ? *wrapped : "-");
  return text;
}

std::optional<StoreReplication::WrappedSubjectKeys> ParseKeyAnswer(
    std::string_view text) {
  auto lines = Lines(text);
  if (lines.empty() || !lines[0].starts_with(std::string(kMagic) + ' '))
    return std::nullopt;
  StoreReplication::WrappedSubjectKeys keys;
  const std::string_view at = lines[0].substr(kMagic.size() + 1);
  if (std::from_chars(at.data(), at.data() + at.size(), keys.read_at).ptr !=
      at.data() + at.size())
    return std::nullopt;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t space = lines[i].find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const std::string_view subject = lines[i].substr(0, space);
    const std::string_view wrapped = lines[i].substr(space + 1);
    if (!PlainToken(subject) || !PlainToken(wrapped)) return std::nullopt;
    keys.keys.emplace_back(
        std::string(subject),
        wrapped == "-" ? std::nullopt : std::optional<std::string>(wrapped));
  }
  return keys;
}

KeyService::~KeyService() {
  if (!sub_) return;
  // Drained: no answer is being written when the engine goes.
  if (natsSubscription_Drain(sub_) == NATS_OK)
    (void)natsSubscription_WaitForDrainCompletion(sub_, 2000);
  natsSubscription_Destroy(sub_);
}

Status KeyService::Start(natsConnection* conn, const std::string& subject) {
  if (sub_) return Status::Ok();
  if (natsStatus s =
          natsConnection_Subscribe(&sub_, conn, subject.c_str(), OnRequest, this);
      s != NATS_OK) {
    sub_ = nullptr;
    return Status::IOError(Describe(("answering on " + subject).c_str(), s));
  }
  return Status::Ok();
}

void KeyService::OnRequest(natsConnection* conn, natsSubscription*, natsMsg* msg,
                           void* self) {
  NatsPtr<natsMsg> owned(msg);
  auto& service = *static_cast<KeyService*>(self);
  const char* reply = natsMsg_GetReply(msg);
  if (!reply) return;
  std::string answer;
  auto subjects = ParseKeyRequest(std::string_view(
      natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
  if (!subjects) {
    answer = "annal-keys error: not a key request (docs/replication.md)";
  } else {
    auto keys =
        StoreReplication(service.engine_).WrapSubjectKeys(*subjects, service.kek_);
    answer =
        keys.ok() ? KeyAnswer(*keys) : "annal-keys error: " + keys.status().message();
  }
  (void)natsConnection_Publish(conn, reply, answer.data(),
                               static_cast<int>(answer.size()));
}

void KeyFetcher::Applied(natsConnection* conn, uint64_t from, uint64_t head) {
  auto snap = engine_.Read();
  if (!snap.ok()) return;
  (void)snap->ScanLog(from, [&](const LoggedEvent& e) {
    if (e.seq > head) return false;
    const auto& ev = e.event;
    if (ev.subject && !ev.erased.empty()) {
      auto it = answered_at_.find(*ev.subject);
      if (it == answered_at_.end() || it->second < e.seq) wanted_.insert(*ev.subject);
    }
    return true;
  });
  if (!wanted_.empty()) Ask(conn);
  Install(head);
}

void KeyFetcher::Idle(natsConnection* conn, uint64_t head) {
  if (!wanted_.empty() && std::chrono::steady_clock::now() - last_failure_ > kRetryEvery)
    Ask(conn);
  Install(head);
}

void KeyFetcher::Ask(natsConnection* conn) {
  std::set<std::string> batch;
  for (auto it = wanted_.begin(); it != wanted_.end() && batch.size() < kMaxSubjects;
       ++it)
    batch.insert(*it);
  const std::string request = KeyRequest(batch);
  natsMsg* raw = nullptr;
  natsStatus s =
      natsConnection_Request(&raw, conn, subject_.c_str(), request.data(),
                             static_cast<int>(request.size()), kRequestTimeoutMs);
  NatsPtr<natsMsg> reply(raw);
  std::optional<StoreReplication::WrappedSubjectKeys> keys;
  std::string why;
  if (s != NATS_OK) {
    why = Describe("asking", s) + " (is `annal ship` running with --key-file?)";
  } else {
    const std::string_view text(natsMsg_GetData(raw),
                                static_cast<size_t>(natsMsg_GetDataLength(raw)));
    keys = ParseKeyAnswer(text);
    if (!keys)
      why = "the answer is not a key answer: " + std::string(text.substr(0, 200));
  }
  if (!keys) {
    last_failure_ = std::chrono::steady_clock::now();
    if (!warned_)
      spdlog::warn(
          "annal replica: no subject keys from {}: {}; sealed values read as "
          "erased until they come (asking again every 2 s)",
          subject_, why);
    warned_ = true;
    return;
  }
  warned_ = false;
  for (const auto& [subject, wrapped] : keys->keys) {
    if (!batch.contains(subject)) continue;  // not asked for: ignored
    wanted_.erase(subject);
    auto& at = answered_at_[subject];
    at = std::max(at, keys->read_at);
  }
  waiting_.push_back(std::move(*keys));
}

void KeyFetcher::Install(uint64_t head) {
  std::erase_if(waiting_, [&](const StoreReplication::WrappedSubjectKeys& keys) {
    if (keys.read_at > head) return false;
    auto installed = StoreReplication(engine_).InstallSubjectKeys(keys, kek_);
    if (installed.ok() && *installed > 0)
      spdlog::info("annal replica: installed {} subject key(s)", *installed);
    if (!installed.ok())
      spdlog::error("annal replica: subject keys refused: {}",
                    installed.status().message());
    return true;
  });
}

}  // namespace annal::replication
