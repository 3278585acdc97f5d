#!/usr/bin/env bash
# Installs the Debian 12 packages reportflow needs, calling apt-get only when
# something is missing (idempotent; safe to run on every `make`).
set -euo pipefail

# Build and runtime dependencies (see README.md, "Dependencies", for why each is here).
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libzmq3-dev cppzmq-dev
  libprotobuf-dev protobuf-compiler
  librocksdb-dev
  libjemalloc-dev
  libisal-dev
  libicu-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libxxhash-dev libarchive-dev zlib1g-dev
  libabsl-dev
  libcpp-httplib-dev libsqlite3-dev
  libpugixml-dev libxml2-dev libpoppler-cpp-dev
)
# Optional extras used by some tests and tools; installed when EXTRAS=1
# (bench/e2e.sh: python3-jieba for the baseline, bc, procps; linux-perf for profiling).
EXTRA_PACKAGES=(iproute2 systemd clang libclang-rt-14-dev chromium python3-jieba bc procps linux-perf)

# Wanted by `make test` (TEST_DEPS=1): chromium and fonts-noto-cjk for the headless-browser
# test of the HTML report (tests/cli/report_browser_test.cc, CJK text in its
# screenshots), prometheus for `promtool check rules|metrics` on deploy/ alert rules and every
# /metrics endpoint, kubernetes-client for the offline `kubectl kustomize` check of deploy/, systemd for
# `systemd-analyze verify` of deploy/systemd units (tests/deploy), iproute2 for the
# network-namespace test of several hosts (tests/integration/netns_test.cc). Best effort: if one
# cannot be installed, the test that needs it reports itself skipped and the rest runs.
TEST_PACKAGES=(chromium fonts-noto-cjk prometheus kubernetes-client systemd iproute2)

# `make fuzz` (libFuzzer with ASan+UBSan) needs clang and its runtime; installed when FUZZ=1.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

want=("${PACKAGES[@]}")
if [ "${EXTRAS:-0}" = "1" ]; then want+=("${EXTRA_PACKAGES[@]}"); fi
if [ "${FUZZ:-0}" = "1" ]; then want+=("${FUZZ_PACKAGES[@]}"); fi
if [ "${TEST_DEPS:-0}" = "1" ] && [ "${EXTRAS:-0}" != "1" ]; then
  test_missing=()
  for p in "${TEST_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      test_missing+=("$p")
    fi
  done
  if [ ${#test_missing[@]} -gt 0 ]; then
    echo "install-deps: installing test packages ${test_missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || true
    # All at once; if that fails (one package conflicts with something installed), one by one, so
    # one unavailable tool skips only the tests that need it.
    if ! $SUDO apt-get install -y -qq --no-install-recommends "${test_missing[@]}"; then
      for p in "${test_missing[@]}"; do
        if ! $SUDO apt-get install -y -qq --no-install-recommends "$p"; then
          echo "install-deps: warning: could not install $p; tests that need it will be skipped" >&2
        fi
      done
    fi
  fi
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
