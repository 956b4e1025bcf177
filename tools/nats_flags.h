// The flags `ship` and `replica` share: where the stream is and how to
// reach it (replication::NatsSettings), and SIGINT/SIGTERM as a stop flag.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <memory>
#include <optional>
#include <sstream>

#include "replication/key_exchange.h"
#include "replication/replication.h"
#include "tools/command.h"

namespace annal::cli {

struct NatsFlags {
  std::string urls;      // comma-separated, as given
  std::string key_file;  // the subject keys' key-encryption key
  replication::NatsSettings settings;
  // The settings with the URLs split.
  const replication::NatsSettings& Parsed() {
    settings.urls.clear();
    std::stringstream in(urls);
    for (std::string u; std::getline(in, u, ',');) {
      if (!u.empty()) settings.urls.push_back(u);
    }
    return settings;
  }
};

inline void AddNatsFlags(CLI::App* cmd, NatsFlags& f) {
  cmd->add_option("--nats", f.urls, "NATS server URLs, comma-separated")->required();
  cmd->add_option("--stream", f.settings.stream, "the JetStream stream's name")
      ->capture_default_str();
  cmd->add_option("--subject", f.settings.subject, "its subject (default: STREAM.log)");
  cmd->add_option("--creds", f.settings.creds_file, "a NATS credentials file")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-ca", f.settings.tls_ca, "CA certificates: connect with TLS")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-cert", f.settings.tls_cert, "a client certificate (PEM)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", f.settings.tls_key, "its private key (PEM)")
      ->check(CLI::ExistingFile);
}

inline void AddKeyFileFlag(CLI::App* cmd, NatsFlags& f) {
  cmd->add_option("--key-file", f.key_file,
                  "32 bytes (or 64 hex digits) shared by ship and its replicas: the "
                  "subjects' keys travel wrapped under it (docs/replication.md)")
      ->check(CLI::ExistingFile);
}

// The key-encryption key of --key-file into `kek`; false (reported for
// `command`) when the file is refused.
inline bool LoadKeyFile(const NatsFlags& f, const char* command,
                        std::optional<replication::KeyEncryptionKey>* kek) {
  if (f.key_file.empty()) return true;
  auto read = replication::ReadKeyFile(f.key_file);
  if (!read.ok()) {
    Report(command, read.status());
    return false;
  }
  *kek = *read;
  return true;
}

// Set by SIGINT or SIGTERM once InstallStopSignals has run.
inline std::atomic<bool> replication_stop{false};
extern "C" inline void RequestReplicationStop(int) { replication_stop.store(true); }
inline void InstallStopSignals() {
  std::signal(SIGINT, RequestReplicationStop);
  std::signal(SIGTERM, RequestReplicationStop);
}

}  // namespace annal::cli
