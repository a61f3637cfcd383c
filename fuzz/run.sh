#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each (default 60), starting from the
# committed seeds and growing a local corpus in fuzz/corpus/. Crashes land in
# fuzz/artifacts/TARGET/; copy each into fuzz/regressions/TARGET/ once fixed, where
# `cargo test -p vitrine-media --test media fuzz_regressions` replays it on every CI run.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); our stable toolchain builds with
# RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs=${SECONDS_EACH:-${1:-60}}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sniff_probe pipeline exif duration chevereto)
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t"
  echo "== $t for ${secs}s"
  cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 -timeout=10 -print_final_stats=1 \
    2>&1 | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::|==|SUMMARY|artifact_prefix|Test unit written)" || true
done
