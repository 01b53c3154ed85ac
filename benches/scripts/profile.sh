#!/usr/bin/env bash
# Instruction profiles with valgrind's callgrind (this machine's perf has no hardware
# counters: `perf stat -e instructions true` says "not supported"). Callgrind counts
# instructions, not seconds, so it is repeatable whatever the load. Writes
# $OUT/callgrind.*.out and prints:
#
# 1. the generator on the synthetic spec of 250 operations (`aqua-codegen print`): the total
#    and the largest inclusive costs, stage by stage;
# 2. decoding a `Job` of 10,000 batches with the generated, hand-written and hand-written +
#    flatten types: the instructions of one decode (and drop), as the difference between
#    `decode-one KIND 10000 2` and `decode-one KIND 10000 1` (which also build the JSON), and
#    the largest inclusive costs of the second;
# 3. `getLastCompletedJob` with the generated client and with raw reqwest + serde_json: the
#    instructions of one call (client and server, which is the same in both), as the
#    difference between 40 and 20 rounds of 64 concurrent calls of `per-call-one`, divided
#    by 20 × 64.
. "$(dirname "$0")/common.sh"
need valgrind "apt-get install -y valgrind"
need callgrind_annotate

machine
cd "$REPO"
cargo build --release --quiet -p aqua-codegen --bin aqua-codegen
cargo build --release --quiet -p aqua-benches --bin synth-spec --bin decode-one --bin per-call-one
WORK="$(mktemp -d /tmp/aqua-profile.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# `count NAME CMD...`: runs CMD under callgrind, prints nothing, echoes the instruction count.
count() {
  local name="$1"
  shift
  valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$name.out" "$@" \
    > /dev/null 2> "$WORK/$name.log"
  grep -m1 'Collected' "$WORK/$name.log" | sed 's/.*Collected : //'
}

# `top NAME PATTERN`: the largest inclusive costs of a profile whose function matches PATTERN.
top() {
  callgrind_annotate --inclusive=yes "$OUT/callgrind.$1.out" 2>/dev/null \
    | grep -E "$2" | head -n "${3:-25}" | sed -E 's/ \[[^]]*\]$//; s/\?\?\?://' || true
}

echo "== generator, synthetic spec of 250 operations"
"$BIN/synth-spec" 250 "$WORK/synthetic-250.yaml"
echo "total: $(count generator "$BIN/aqua-codegen" print "$WORK/synthetic-250.yaml") instructions"
top generator 'aqua_codegen::(main|render|generate|load::load|lower::lower|emit::emit) |prettyplease::unparse |Parser>::parse2|malloc.c:(malloc|free) |drop_in_place<(aqua_codegen::Generated|syn::file::File|proc_macro2::TokenStream)>'

echo "== decoding a Job of 10,000 batches: instructions of one decode and drop"
for kind in generated hand hand_flatten; do
  one="$(count "decode-$kind-1" "$BIN/decode-one" "$kind" 10000 1)"
  two="$(count "decode-$kind" "$BIN/decode-one" "$kind" 10000 2)"
  echo "$kind: $((two - one)) instructions"
done
for kind in generated hand_flatten; do
  echo "-- $kind, largest inclusive costs (two decodes and the JSON):"
  top "decode-$kind" 'job_json|serde::__private::de|FlatMap|BTreeMap|aqua_runtime|drop_in_place<.*(Job|Batch|Content)|malloc.c:(malloc|free) ' 15
done

echo "== getLastCompletedJob: instructions of one call (client + server)"
for mode in generated raw; do
  short="$(count "per-call-$mode-20" "$BIN/per-call-one" "$mode" 20 64)"
  long="$(count "per-call-$mode" "$BIN/per-call-one" "$mode" 40 64)"
  echo "$mode: $(((long - short) / (20 * 64))) instructions a call"
done
echo "-- generated client, largest inclusive costs of the client side (40 rounds):"
top per-call-generated 'aqua_runtime::client|aqua_runtime::retry|reqwest::async_impl::(client::Client::execute_request|request::RequestBuilder::send)|tokio::time|serde_json::de::from_slice' 15
