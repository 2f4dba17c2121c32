#!/usr/bin/env bash
# `npm run fuzz`: builds (build.sh), runs the decoders' unit tests, replays every kept
# crash input (regression/<target>/), then fuzzes each decoder for FUZZ_SECONDS (default
# 20). Fails on any failed check, crash or sanitizer report. A new crash leaves its input
# in build/fuzz/artifacts/: fix the decoder, then keep the input in regression/<target>/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${FUZZ_OUT:-$here/../../build/fuzz}"
seconds="${FUZZ_SECONDS:-20}"
targets=(${FUZZ_TARGETS:-netlink exec_record proc_text btf})
export FUZZ_OUT="$out"
"$here/build.sh"

echo "== unit tests"
"$out/unit_tests"

status=0
for target in "${targets[@]}"; do
  fuzzer="$out/fuzz_$target"
  kept=("$here/regression/$target"/*)
  if [ -e "${kept[0]}" ]; then
    echo "== $target: replaying ${#kept[@]} kept input(s)"
    "$fuzzer" "${kept[@]}" >"$out/$target-replay.log" 2>&1 || {
      cat "$out/$target-replay.log" >&2
      echo "FAIL: $target: a kept input crashes again" >&2
      status=1
      continue
    }
  fi
  # The corpus grows across runs; the seeds are always in it.
  corpus="$out/corpus/$target"
  mkdir -p "$corpus" "$out/artifacts"
  cp -n "$out/seeds.d/$target"/* "$corpus"/
  echo "== $target: fuzzing for ${seconds}s"
  if ! "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" >"$out/$target.log" 2>&1; then
    tail -n 60 "$out/$target.log" >&2
    echo "FAIL: $target: see $out/$target.log; the input is in $out/artifacts/" >&2
    status=1
    continue
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$out/$target.log" | tr '\n' ' '
  echo
done
[ "$status" = 0 ] && echo "fuzz: every decoder clean"
exit "$status"
