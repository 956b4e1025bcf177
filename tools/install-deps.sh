#!/usr/bin/env bash
# Installs the Debian packages annal builds with, if any are missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  liblmdb-dev liblmdb++-dev lmdb-utils
  libflatbuffers-dev flatbuffers-compiler
  libspdlog-dev libfmt-dev
  libsimdjson-dev libcli11-dev
  libssl-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-dev  # libFuzzer and the sanitizer runtimes (tools/fuzz.sh)
  clang-format           # tools/check_format.sh
  libcpp-httplib-dev     # annal serve
  libyaml-cpp-dev        # annal schema add FILE.yaml
  python3-pytest python3-prometheus-client   # the HTTP API tests
  python3-jsonschema python3-yaml             # ... checking answers against docs/openapi.yaml
  chromium chromium-driver python3-selenium  # the dashboard page test
  libjs-chart.js                              # the page's charts (compiled in)
  python3-dev pybind11-dev python3-pybind11   # the Python module (python/)
  python3-venv python3-pip python3-setuptools # pip install ./python
  python3-hypothesis mypy                     # its property tests, its stubs
  nats-server libnats-dev                     # replication (issue 15): JetStream
  systemd                                     # systemd-analyze: deploy/systemd's units
  prometheus                                  # promtool: deploy/prometheus's rules
  help2man dpkg-dev file                      # the man page; cpack -G DEB's dependencies
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
