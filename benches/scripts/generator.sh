#!/usr/bin/env bash
# Generator, whole process: `aqua-codegen` against `cargo-progenitor` 0.15.1 on spec/aqua.yaml,
# then on synthetic specs of 250, 1,000 and 4,000 operations (written by `synth-spec` into a
# temporary directory, deleted at the end); hyperfine for the time, /usr/bin/time -v for the
# peak RSS. Results: $OUT/generator-*.json (see common.sh).
#
# Environment: RUNS (aqua.yaml runs, default 30), SYNTH_RUNS (default 10), PROGENITOR (the
# cargo-progenitor binary; by default installed with `cargo install --locked` into
# /tmp/progenitor-root when missing).
. "$(dirname "$0")/common.sh"
need hyperfine "apt-get install -y hyperfine"
need python3

RUNS="${RUNS:-30}"
SYNTH_RUNS="${SYNTH_RUNS:-10}"
SIZES="${SIZES:-250 1000 4000}"

machine
cd "$REPO"
cargo build --release --quiet -p aqua-codegen --bin aqua-codegen
cargo build --release --quiet -p aqua-benches --bin synth-spec
AQUA="$BIN/aqua-codegen"

PROGENITOR="${PROGENITOR:-}"
if [ -z "$PROGENITOR" ]; then
  PROGENITOR="$(command -v cargo-progenitor || true)"
fi
if [ -z "$PROGENITOR" ]; then
  root=/tmp/progenitor-root
  if [ ! -x "$root/bin/cargo-progenitor" ]; then
    cargo install cargo-progenitor --version 0.15.1 --locked --root "$root"
  fi
  PROGENITOR="$root/bin/cargo-progenitor"
fi
echo "cargo-progenitor: $PROGENITOR"

WORK="$(mktemp -d /tmp/aqua-generator-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

run_pair() { # NAME SPEC RUNS WARMUP: aqua-codegen print, aqua-codegen crate, cargo-progenitor
  local name="$1" spec="$2" runs="$3" warmup="$4"
  wait_quiet
  hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$OUT/generator-$name.json" \
    -n "aqua-codegen print" "$AQUA print $spec" \
    -n "aqua-codegen crate" "$AQUA crate $spec --out $WORK/aqua-crate --name aqua-bench" \
    -n "cargo-progenitor" "$PROGENITOR progenitor -i $spec -o $WORK/progenitor-crate -n bench -v 0.1.0"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$REPO/benches/scripts/summarize.py" "$OUT/generator-$name.json" --baseline cargo-progenitor
  echo "peak RSS, 3 runs each:"
  echo "  aqua-codegen print: $(peak_rss 3 "$AQUA" print "$spec")"
  echo "  cargo-progenitor:   $(peak_rss 3 "$PROGENITOR" progenitor -i "$spec" -o "$WORK/progenitor-crate" -n bench -v 0.1.0)"
  echo "  output: aqua-codegen print $("$AQUA" print "$spec" | wc -c) bytes;" \
    "cargo-progenitor src/lib.rs $(wc -c < "$WORK/progenitor-crate/src/lib.rs") bytes"
}

echo "== spec/aqua.yaml"
run_pair aqua "$REPO/spec/aqua.yaml" "$RUNS" 3

for n in $SIZES; do
  echo "== synthetic spec of $n operations"
  "$BIN/synth-spec" "$n" "$WORK/synthetic-$n.yaml"
  echo "spec: $(wc -c < "$WORK/synthetic-$n.yaml") bytes"
  run_pair "synthetic-$n" "$WORK/synthetic-$n.yaml" "$SYNTH_RUNS" 1
done
