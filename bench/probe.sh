#!/usr/bin/env bash
# Benchmark `pgtls probe` against sslyze, testssl.sh and nmap on one local
# cluster, then a fleet of 1,000 loopback addresses (one cluster listening
# on 0.0.0.0 answers on every 127.x.y.z). Only loopback is contacted.
#
#   bench/probe.sh                 # install missing tools, build, run
#   PGTLS_BENCH_RUNS=5 PGTLS_BENCH_FLEET=2000 bench/probe.sh
#   PGTLS_BENCH_MAJOR=17 bench/probe.sh
#
# Needs PostgreSQL server binaries (Debian's postgresql, or scripts/install-pg).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v nmap >/dev/null || need_apt+=(nmap)
command -v testssl >/dev/null || command -v testssl.sh >/dev/null || need_apt+=(testssl.sh)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v sslyze >/dev/null; then
  echo "installing: sslyze (PyPI)" >&2
  python3 -m pip install -q sslyze >/dev/null
fi

# The real CLI when the root binary has `probe`; otherwise the stand-alone
# build of the same argument file (crates/pgtls-probe/examples/pgtls.rs).
bin=""
if cargo build --release -p pgtls >/dev/null 2>&1 && target/release/pgtls probe --help >/dev/null 2>&1; then
  bin="$PWD/target/release/pgtls"
else
  cargo build --release -p pgtls-probe --example pgtls >/dev/null
  bin="$PWD/target/release/examples/pgtls"
fi
echo "timing: $bin probe" >&2
PGTLS_BIN="$bin" cargo bench -p pgtls-probe --bench probe
