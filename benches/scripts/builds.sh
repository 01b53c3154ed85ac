#!/usr/bin/env bash
# Build times of `zuora-aqua`, in a copy of the repository (default /tmp/aqua-build-src,
# without target/ and .git) and a separate target directory (default /tmp/aqua-build-bench),
# so that nobody's build is disturbed and the real spec is never touched:
#
# 1. clean build: `cargo build -p zuora-aqua` after `cargo clean -p zuora-aqua -p aqua-codegen`
#    (the other dependencies stay built);
# 2. rebuild after `touch spec/aqua.yaml` (in the copy);
# 3. no-op rebuild, and `cargo build -v` showing that the build script is not run again.
#
# Environment: COPY, BUILD_TARGET, RUNS (default 3 clean builds, 5 of the others).
. "$(dirname "$0")/common.sh"
need hyperfine "apt-get install -y hyperfine"
need python3

COPY="${COPY:-/tmp/aqua-build-src}"
BUILD_TARGET="${BUILD_TARGET:-/tmp/aqua-build-bench}"
RUNS="${RUNS:-3}"

machine
rm -rf "$COPY"
mkdir -p "$COPY"
tar -C "$REPO" --exclude=./target --exclude=./.git -cf - . | tar -C "$COPY" -xf -
cd "$COPY"
export CARGO_TARGET_DIR="$BUILD_TARGET"
echo "copy: $COPY, target: $CARGO_TARGET_DIR"
echo "== warming the other dependencies"
cargo build --quiet -p zuora-aqua

echo "== clean build"
wait_quiet
hyperfine --runs "$RUNS" --export-json "$OUT/build-clean.json" \
  --prepare "cargo clean --quiet -p zuora-aqua -p aqua-codegen" \
  -n "clean build" "cargo build --quiet -p zuora-aqua"
python3 "$REPO/benches/scripts/summarize.py" "$OUT/build-clean.json"
echo "where a clean build's time goes (one more run, cargo build --timings):"
cargo clean --quiet -p zuora-aqua -p aqua-codegen
cargo build --quiet --timings -p zuora-aqua
python3 - "$CARGO_TARGET_DIR/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
for u in units:
    if u["duration"] > 0:
        print(f"  {u['name']} {u['target'].strip() or 'lib'}: {u['duration']:.2f} s (from {u['start']:.2f} s)")
PY

echo "== rebuild after touching spec/aqua.yaml (of the copy)"
wait_quiet
hyperfine --runs "$((RUNS + 2))" --export-json "$OUT/build-touch.json" \
  --prepare "touch spec/aqua.yaml" \
  -n "touch spec" "cargo build --quiet -p zuora-aqua"
python3 "$REPO/benches/scripts/summarize.py" "$OUT/build-touch.json"
touch spec/aqua.yaml
echo "what cargo does after a touch (cargo build -v):"
cargo build -v -p zuora-aqua 2>&1 | grep -E "zuora-aqua|zuora_aqua|build-script|Finished" | sed 's/ --edition.*//' || true

echo "== no-op rebuild"
wait_quiet
hyperfine --warmup 1 --runs "$((RUNS + 7))" --export-json "$OUT/build-noop.json" \
  -n "no-op" "cargo build --quiet -p zuora-aqua"
python3 "$REPO/benches/scripts/summarize.py" "$OUT/build-noop.json"
echo "what cargo does on a no-op (cargo build -v):"
log="$(cargo build -v -p zuora-aqua 2>&1)"
echo "$log" | grep -E "zuora-aqua|zuora_aqua|build-script|Finished" | sed 's/ --edition.*//' || true
if echo "$log" | grep -q "build-script-build"; then
  echo "NO-OP CHECK FAILED: the build script ran again"
  exit 1
fi
echo "no-op check: the build script did not run (zuora-aqua is Fresh)"
