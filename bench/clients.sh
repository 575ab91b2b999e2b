#!/usr/bin/env bash
# Benchmark of `pgtls clients scan` against ripgrep on a generated tree
# (>= 1 GB, >= 100k files; deterministic; kept under /var/tmp between runs).
#
# ripgrep: `apt-get install ripgrep` (Debian 12 ships 13.0.0) or
# `cargo install ripgrep` (newer); or point PGTLS_RG at a binary.
# Knobs: PGTLS_BENCH_TREE, PGTLS_BENCH_FILES, PGTLS_BENCH_BYTES, PGTLS_BENCH_RUNS.
# Results: stdout and target/bench-clients.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v "${PGTLS_RG:-rg}" >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq ripgrep >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq ripgrep; }
  else
    echo "bench/clients.sh: ripgrep not found: apt-get install ripgrep, or cargo install ripgrep" >&2
    exit 2
  fi
fi
exec cargo bench -p pgtls-clients --bench scan
