#include "replication/nats_handles.h"

#include <chrono>
#include <thread>

namespace annal::replication {
namespace {

// JetStream's "stream not found".
constexpr jsErrCode kStreamNotFound = static_cast<jsErrCode>(10059);
constexpr int64_t kApiWaitMs = 5000;

Status Check(const char* what, natsStatus s) {
  return s == NATS_OK ? Status::Ok() : Status::IOError(Describe(what, s));
}

}  // namespace

std::string Describe(const char* what, natsStatus s, jsErrCode code) {
  std::string out = std::string(what) + ": " + natsStatus_GetText(s);
  if (code != 0)
    out += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
  return out;
}

Status Nats::Connect(const NatsSettings& settings, jsOptions* js_options) {
  natsOptions* raw = nullptr;
  if (Status st = Check("nats options", natsOptions_Create(&raw)); !st.ok()) return st;
  NatsPtr<natsOptions> opts(raw);
  std::vector<const char*> urls;
  for (const auto& u : settings.urls) urls.push_back(u.c_str());
  Status st = Check("server URLs", natsOptions_SetServers(opts.get(), urls.data(),
                                                          static_cast<int>(urls.size())));
  // Reconnect for ever: a cluster that loses a server or quorum comes back.
  if (st.ok()) st = Check("reconnect", natsOptions_SetMaxReconnect(opts.get(), -1));
  if (st.ok())
    st = Check("reconnect wait", natsOptions_SetReconnectWait(opts.get(), 250));
  if (st.ok()) st = Check("connect timeout", natsOptions_SetTimeout(opts.get(), 2000));
  if (st.ok()) st = Check("name", natsOptions_SetName(opts.get(), "annal"));
  if (st.ok() && !settings.creds_file.empty()) {
    st = Check(("credentials file " + settings.creds_file).c_str(),
               natsOptions_SetUserCredentialsFromFiles(
                   opts.get(), settings.creds_file.c_str(), nullptr));
  }
  if (st.ok() && !settings.tls_ca.empty()) {
    st = Check("TLS", natsOptions_SetSecure(opts.get(), true));
    if (st.ok())
      st = Check(
          ("TLS CA file " + settings.tls_ca).c_str(),
          natsOptions_LoadCATrustedCertificates(opts.get(), settings.tls_ca.c_str()));
  }
  if (st.ok() && !settings.tls_cert.empty()) {
    st = Check(("TLS certificate " + settings.tls_cert).c_str(),
               natsOptions_LoadCertificatesChain(opts.get(), settings.tls_cert.c_str(),
                                                 settings.tls_key.c_str()));
  }
  if (!st.ok()) return Status::InvalidInput(st.message());
  natsConnection* conn = nullptr;
  if (natsStatus s = natsConnection_Connect(&conn, opts.get()); s != NATS_OK) {
    return Status::IOError(Describe("connecting to the NATS servers", s));
  }
  conn_.reset(conn);
  jsCtx* js = nullptr;
  js_options->Wait = kApiWaitMs;
  if (natsStatus s = natsConnection_JetStream(&js, conn, js_options); s != NATS_OK) {
    return Status::IOError(Describe("JetStream context", s));
  }
  js_.reset(js);
  return Status::Ok();
}

bool Backoff::Wait(const std::atomic<bool>& stop) {
  for (int waited = 0; waited < ms_ && !stop.load(); waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ms_ = std::min(ms_ * 2, 2000);
  return !stop.load();
}

Result<std::optional<uint64_t>> StreamLastSeq(jsCtx* js, const std::string& stream) {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js, stream.c_str(), nullptr, &code);
  NatsPtr<jsStreamInfo> info(raw);
  if (s == NATS_NOT_FOUND || code == kStreamNotFound) return std::optional<uint64_t>();
  if (s != NATS_OK) return Status::IOError(Describe("stream info", s, code));
  return std::optional<uint64_t>(info->State.LastSeq);
}

Status CreateStream(jsCtx* js, const NatsSettings& settings, int replicas) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const std::string subject = settings.Subject();
  const char* subjects[] = {subject.c_str()};
  cfg.Name = settings.stream.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = replicas;
  cfg.Retention = js_LimitsPolicy;  // with no limit set: nothing is ever dropped
  cfg.Discard = js_DiscardNew;      // should a limit be set later, refuse, never drop
  cfg.Duplicates = int64_t{120} * 1000 * 1000 * 1000;  // two minutes, in ns
  cfg.DenyDelete = true;
  cfg.DenyPurge = true;
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&raw, js, &cfg, nullptr, &code);
  NatsPtr<jsStreamInfo> info(raw);
  // 10058: a stream of that name exists (created meanwhile): used as it is.
  if (s == NATS_OK || code == static_cast<jsErrCode>(10058)) return Status::Ok();
  return Status::IOError(
      Describe(("creating stream " + settings.stream).c_str(), s, code));
}

Result<std::string> StreamMessage(jsCtx* js, const std::string& stream, uint64_t seq) {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&raw, js, stream.c_str(), seq, nullptr, &code);
  NatsPtr<natsMsg> msg(raw);
  if (s != NATS_OK) {
    return Status::IOError(
        Describe(("stream message " + std::to_string(seq)).c_str(), s, code));
  }
  return std::string(natsMsg_GetData(msg.get()),
                     static_cast<size_t>(natsMsg_GetDataLength(msg.get())));
}

}  // namespace annal::replication
