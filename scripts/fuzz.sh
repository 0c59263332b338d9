#!/usr/bin/env bash
# Fuzz the value codec (fuzz/, its own crate outside the main build): the
# `decode` target feeds arbitrary bytes to the thread-side decoder, the
# `roundtrip` target checks that whatever decodes re-encodes and decodes
# again to the same bytes. Each target runs for a fixed time budget from the
# seed corpus in fuzz/corpus/<target>/ (read only; what the fuzzer adds goes
# to fuzz/target/corpus/<target>/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#     SECONDS  budget per target, default 60
#     TARGET   decode and/or roundtrip, default both
#   env FUZZ_SANITIZER  address (default) or none (plain libFuzzer)
#   env FUZZ_ARGS       extra libFuzzer flags, e.g. "-seed=1 -max_len=8192"
#
# Per-input leak checks are off (-detect_leaks=0): V8 keeps global state
# between inputs, so libFuzzer would only turn them off itself after a slow
# start.
#
# Exit 0 when every target ran clean; 1 when one crashed, hung or ran out of
# memory (the reproducer is in fuzz/artifacts/<target>/, printed in hex,
# and the command to rerun it is printed); 2 for a usage or build error.
# Needs a nightly toolchain for cargo-fuzz's -Z flags; without one it uses
# the stable one with RUSTC_BOOTSTRAP=1.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

BUDGET=${1:-60}
[ $# -gt 0 ] && shift
if ! [[ "$BUDGET" =~ ^[0-9]+$ ]] || [ "$BUDGET" -eq 0 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [decode|roundtrip ...]" >&2
  exit 2
fi
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(decode roundtrip)
for t in "${TARGETS[@]}"; do
  if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
    echo "unknown fuzz target: $t (have: $(cd fuzz/fuzz_targets && ls | grep -v common.rs | sed 's/\.rs$//' | tr '\n' ' '))" >&2
    exit 2
  fi
done
SANITIZER=${FUZZ_SANITIZER:-address}
read -r -a EXTRA <<<"${FUZZ_ARGS:-}"

# The v8 crate links the prebuilt archive in ../shared/v8 (never a download).
if [ -f ../shared/v8/env.sh ]; then
  . ../shared/v8/env.sh
else
  echo "warning: ../shared/v8/env.sh not found; the v8 crate will try to download its archive" >&2
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if rustup run nightly rustc --version >/dev/null 2>&1; then
  CARGO=(cargo +nightly)
else
  echo "note: no nightly toolchain; using $(rustc --version) with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
  CARGO=(cargo)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked || exit 2
fi

t0=$(now)
echo "\$ ${CARGO[*]} fuzz build -s $SANITIZER"
if ! "${CARGO[@]}" fuzz build -s "$SANITIZER"; then
  echo "fuzz build failed" >&2
  exit 2
fi
echo "build: $(since "$t0") s"

mkdir -p fuzz/target/logs
status=0
summary=()
for t in "${TARGETS[@]}"; do
  work="fuzz/target/corpus/$t"
  log="fuzz/target/logs/$t.log"
  mkdir -p "$work" "fuzz/artifacts/$t"
  before=$(ls "fuzz/artifacts/$t" | sort)
  cmd=("${CARGO[@]}" fuzz run -s "$SANITIZER" "$t" "$work" "fuzz/corpus/$t" --
    "-max_total_time=$BUDGET" -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 -print_final_stats=1 "${EXTRA[@]}")
  echo
  echo "\$ ${cmd[*]}"
  t1=$(now)
  # libFuzzer's progress lines only (no per-input NEW/REDUCE lines); all in $log.
  "${cmd[@]}" >"$log" 2>&1
  rc=$?
  grep -E '^INFO: (Seed|[ 0-9]+files found)|pulse|DONE|^stat::|^==|^SUMMARY|panicked|^thread|ERROR|Test unit written|Crash|^\s+#[0-9]+ ' "$log" | head -n 80
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  secs=$(since "$t1")
  if [ "$rc" -eq 0 ]; then
    line="$t: clean, ${execs:-?} executions in ${BUDGET} s budget (${secs} s wall)"
  else
    status=1
    line="$t: FAILED (exit $rc) after ${execs:-?} executions (${secs} s wall); log: $log"
    for a in $(comm -13 <(echo "$before") <(ls "fuzz/artifacts/$t" | sort)); do
      f="fuzz/artifacts/$t/$a"
      echo "reproducer $f ($(wc -c <"$f") bytes):"
      od -An -v -tx1 "$f" | tr -d ' \n' | fold -w 128
      echo
      echo "rerun: ${CARGO[*]} fuzz run -s $SANITIZER $t $f"
    done
  fi
  echo "$line"
  summary+=("$line")
done

echo
echo "fuzz summary (sanitizer: $SANITIZER, total $(since "$t0") s):"
printf '  %s\n' "${summary[@]}"
exit "$status"
