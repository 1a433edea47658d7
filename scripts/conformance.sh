#!/usr/bin/env bash
# Runs the two public SCIM conformance suites (../shared/conformance, run with newman) against a live
# bridge, and fails on any failed assertion that test/conformance/newman-waivers.json does not waive.
#
#   npm run build && bash scripts/conformance.sh            # embedded PGlite, a fresh DATA_DIR per suite
#   DATABASE_URL=postgres://… bash scripts/conformance.sh   # that database; each suite gets a connection
#                                                           # (tenant) of its own, i.e. an empty store
# Each suite: start the server as `npm start` does (`node [options] dist/src/main.js`) on a free port
# (PORT=0, the URL is read from its log), wait for /readyz, create an IdP connection with the CLI
# (through the server's control socket), run newman, stop the server. Then
# test/conformance/check-newman-report.js compares the failures with the waivers.
# Environment: CONFORMANCE_DIR (default ../shared/conformance), CONFORMANCE_KEEP=1 keeps the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SUITES_DIR=${CONFORMANCE_DIR:-$ROOT/../shared/conformance}
MS_COLLECTION=$SUITES_DIR/microsoft-scim-reference.postman_collection.json
OKTA_COLLECTION=$SUITES_DIR/okta-scim-spec-test.postman_collection.json
WAIVERS=$ROOT/test/conformance/newman-waivers.json
NEWMAN=$ROOT/node_modules/.bin/newman

if [ ! -d "$SUITES_DIR" ]; then
  echo "conformance: SKIPPED, suite folder $SUITES_DIR is absent (set CONFORMANCE_DIR to run it)"
  exit 0
fi
for f in "$MS_COLLECTION" "$OKTA_COLLECTION"; do
  [ -f "$f" ] || { echo "conformance: missing collection $f" >&2; exit 1; }
done
[ -f dist/src/main.js ] || { echo "conformance: dist/src/main.js not found; run npm run build first" >&2; exit 1; }
[ -x "$NEWMAN" ] || { echo "conformance: newman not installed (npm ci installs it as a devDependency)" >&2; exit 1; }
# The node options of `npm start` (package.json), some of which node reads only at process start.
START_OPTIONS=$(node -e 'console.log(require("./dist/tools/start-command").startNodeOptions().join(" "))')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gsb-conformance.XXXXXX")
SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$SERVER_PID" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; break; fi
      sleep 0.2
    done
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [ "${CONFORMANCE_KEEP:-}" = 1 ]; then echo "conformance: work dir kept at $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# start_server NAME: starts the bridge for one suite; sets BASE_URL (and DATA_DIR for the CLI).
start_server() {
  local name=$1 log=$WORK/$1.server.log store
  export DATA_DIR=$WORK/$name.data
  # shellcheck disable=SC2086 # START_OPTIONS is a list of words
  PORT=0 HOST=127.0.0.1 LOG_LEVEL=${CONFORMANCE_LOG_LEVEL:-info} node $START_OPTIONS dist/src/main.js >"$log" 2>&1 &
  SERVER_PID=$!
  BASE_URL=""
  local deadline=$((SECONDS + 60))
  while [ -z "$BASE_URL" ]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "conformance: the bridge exited during start; its log:" >&2; cat "$log" >&2; return 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || { echo "conformance: the bridge did not start within 60 s; its log:" >&2; cat "$log" >&2; return 1; }
    BASE_URL=$(node -e '
      const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
      for (const line of lines) { try { const e = JSON.parse(line); if (e.url && /listening/.test(e.msg)) { console.log(e.url); break; } } catch {} }
    ' "$log")
    [ -n "$BASE_URL" ] || sleep 0.2
  done
  until curl -fsS "$BASE_URL/readyz" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "conformance: $BASE_URL/readyz not ready within 60 s" >&2; return 1; }
    sleep 0.2
  done
  # Never echo DATABASE_URL: it may carry a password.
  if [ -n "${DATABASE_URL:-}" ]; then store="PostgreSQL from DATABASE_URL"; else store="PGlite in $DATA_DIR"; fi
  echo "conformance: bridge for $name at $BASE_URL ($store)"
}

# create_token NAME: a new IdP connection through the CLI (the running server owns the database).
create_token() {
  node dist/src/cli/main.js connection create --name "conformance-$1-$$" --idp generic --json 2>"$WORK/$1.cli.err" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(!r.token)process.exit(1);console.log(r.token)})' ||
    { echo "conformance: could not create a connection:" >&2; cat "$WORK/$1.cli.err" >&2; return 1; }
}

# run_suite NAME COLLECTION NEWMAN-ARGS...: one suite on a fresh store; newman's own exit code is ignored,
# the report is judged against the waivers afterwards.
run_suite() {
  local name=$1 collection=$2
  shift 2
  start_server "$name"
  local token
  token=$(create_token "$name")
  local port=${BASE_URL##*:}
  set +e
  "$NEWMAN" run "$collection" "$@" --reporters cli,json --reporter-json-export "$WORK/$name.newman.json" \
    --env-var Protocol=http --env-var Server=127.0.0.1 --env-var "Port=:$port" --env-var Api=scim/v2 --env-var "token=$token" \
    --env-var "SCIMBaseURL=$BASE_URL/scim/v2" --env-var "auth=Bearer $token" --color off --disable-unicode
  set -e
  stop_server
  [ -f "$WORK/$name.newman.json" ] || { echo "conformance: newman wrote no report for $name" >&2; return 1; }
}

run_suite microsoft "$MS_COLLECTION" \
  --folder "Endpoint tests" --folder "User tests" --folder "Group tests" --folder "ComplexAttribute tests" \
  --folder "User tests with garbage" --folder "Group tests with garbage" --folder "Teardown garbage"
run_suite okta "$OKTA_COLLECTION"

node test/conformance/check-newman-report.js "$WAIVERS" "$WORK/microsoft.newman.json" "$WORK/okta.newman.json"
