#!/usr/bin/env bash
# Third-party contract checks, with tools nobody here wrote (called by .ci/run, after the
# tests, so that target/debug/aqua is built):
#   1. spec/aqua.yaml is valid OpenAPI 3.0, and every example in it validates against its
#      schema with formats checked (.ci/spec_examples.py: openapi-spec-validator, jsonschema);
#   2. Schemathesis runs every check against `aqua server`, bounded and reproducible
#      (.ci/schemathesis/schemathesis.toml says what is configured and why).
# Installs what it needs into target/ci-venv (pinned in .ci/requirements.txt). Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/ci-venv
stamp="$venv/.requirements"
if ! cmp -s .ci/requirements.txt "$stamp" 2>/dev/null; then
  echo "installing the Python tools into $venv (.ci/requirements.txt)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/requirements.txt
  cp .ci/requirements.txt "$stamp"
fi

echo "== the spec's examples validate against their schemas (formats on)"
"$venv/bin/python" .ci/spec_examples.py spec/aqua.yaml

echo "== Schemathesis against aqua server"
cargo build --quiet --locked -p aqua-cli
log="$(mktemp)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -f "$log"
}
trap cleanup EXIT
target/debug/aqua server --port 0 >"$log" 2>&1 &
server_pid=$!
addr=""
for _ in $(seq 100); do
  addr="$(sed -n 's/^local AQuA server listening on \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$log")"
  [ -n "$addr" ] && break
  sleep 0.1
done
if [ -z "$addr" ]; then
  echo "aqua server did not start:"; cat "$log"; exit 1
fi
origin="http://$addr"

# A completed job's file, for downloadFile's success path.
AQUA_FILE_ID="$(ZUORA_USERNAME=demo ZUORA_PASSWORD=demo target/debug/aqua --base-url "$origin/v1" \
  --output json job submit --name contract --query 'Account=select Id, Name from Account' --wait \
  | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["batches"][0]["fileId"])')"
export AQUA_FILE_ID

st=("$venv/bin/schemathesis" --config-file .ci/schemathesis/schemathesis.toml --no-color run spec/aqua.yaml)
report=target/schemathesis
rm -rf "$report"
# Each operation on the servers that serve it: the REST base URL (all but createToken, whose
# own servers are host roots, and the legacy hosts' file path), the legacy base URL (all but
# createToken and the REST file path), and the origin (createToken).
"${st[@]}" --url "$origin/v1" --exclude-operation-id createToken --exclude-operation-id downloadLegacyFile \
  --report junit --report-dir "$report/rest"
"${st[@]}" --url "$origin/apps/api" --exclude-operation-id createToken --exclude-operation-id downloadFile \
  --report junit --report-dir "$report/legacy"
"${st[@]}" --url "$origin" --include-operation-id createToken --report junit --report-dir "$report/token"
