#!/usr/bin/env bash
# Per-call overhead as a paired comparison: `per-call-one ab` alternates rounds of the
# generated client and of raw reqwest + serde_json against one local server, timing each
# round on its own (see src/bin/per_call_one.rs), sequential (rounds of 1 call) and 64-way
# concurrent (rounds of 64), N times each (default 3), when the machine is quiet.
. "$(dirname "$0")/common.sh"

N="${1:-3}"
machine
cd "$REPO"
cargo build --release --quiet -p aqua-benches --bin per-call-one
for ((k = 1; k <= N; k++)); do
  echo "== run $k of $N"
  wait_quiet
  "$BIN/per-call-one" ab 20000 1
  "$BIN/per-call-one" ab 1000 64
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
