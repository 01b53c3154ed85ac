#!/usr/bin/env bash
# `repeat.sh BENCH [N]`: runs the in-process benchmark BENCH (generator, decode or per_call)
# N times (default 5), each when the machine is quiet (see wait_quiet in common.sh), and keeps
# every run's table in $OUT/BENCH-K.txt. Ratios are taken within a run: every run measures the
# generated code and its baselines one after the other in the same process.
. "$(dirname "$0")/common.sh"

BENCH="${1:?usage: repeat.sh generator|decode|per_call [N]}"
N="${2:-5}"
machine
cd "$REPO"
cargo bench --quiet -p aqua-benches --bench "$BENCH" --no-run
for ((k = 1; k <= N; k++)); do
  echo "== $BENCH, run $k of $N"
  wait_quiet
  cargo bench --quiet -p aqua-benches --bench "$BENCH" 2>&1 | tee "$OUT/$BENCH-$k.txt"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
