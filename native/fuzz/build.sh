#!/usr/bin/env bash
# Builds the decoders' fuzzers (one per decoder, libFuzzer + ASan + UBSan), their unit
# tests (ASan + UBSan) and the seed corpora, into build/fuzz/ (or $FUZZ_OUT).
# Needs clang 14 with libFuzzer: apt-get install clang-14 libclang-rt-14-dev.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${FUZZ_OUT:-$here/../../build/fuzz}"
cxx="${CXX_FUZZ:-clang++-14}"
if ! command -v "$cxx" >/dev/null; then
  echo "build.sh: $cxx not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 3
fi
mkdir -p "$out"

# A sanitizer report is a crash, never a warning to read past.
common=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -I "$here/..")
decoders=("$here/../netlink_decode.cc" "$here/../exec_record_decode.cc" "$here/../origin_decode.cc" "$here/../btf.cc"
  "$here/../event_json.cc")

# In parallel: the machine has few cores, and each link is a few seconds.
pids=()
for target in netlink exec_record proc_text btf; do
  "$cxx" "${common[@]}" -fsanitize=fuzzer,address,undefined "$here/fuzz_$target.cc" "${decoders[@]}" \
    -o "$out/fuzz_$target" &
  pids+=($!)
done
"$cxx" "${common[@]}" -fsanitize=address,undefined "$here/unit_tests.cc" "${decoders[@]}" -o "$out/unit_tests" &
pids+=($!)
"$cxx" -std=c++17 -O1 -I "$here/.." "$here/seeds.cc" -o "$out/seeds" &
pids+=($!)
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[ "$status" = 0 ] || { echo "build.sh: a compile failed" >&2; exit 1; }

rm -rf "$out/seeds.d"
"$out/seeds" "$out/seeds.d"
echo "built into $out: fuzz_netlink fuzz_exec_record fuzz_proc_text fuzz_btf unit_tests, seeds in seeds.d/"
