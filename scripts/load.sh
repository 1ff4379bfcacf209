#!/usr/bin/env bash
# `make load`: a bounded load test on loopback. Prepares a database (reference data, the Co-operatives UK
# organisations imported as verified providers, a commissioner), serves the production shape with scripts/serve.sh,
# runs tests/load/locustfile.py with 20 users for DURATION, prints requests a second and p95 per page, then stops.
#   scripts/load.sh sqlite        # SQLite file (ALLOW_SQLITE_IN_PRODUCTION=1)
#   scripts/load.sh postgresql    # the local PostgreSQL, database lsr_load (dropped and made again)
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE="${1:-sqlite}"
export PORT="${PORT:-8100}"
export SERVER_BASE_URL="http://127.0.0.1:$PORT"   # production needs it: links, and the one Host it answers
DURATION="${DURATION:-60s}"
USERS="${USERS:-20}"
BIN=.venv/bin
WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill -- "-$SERVER" 2>/dev/null || kill "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export APP_ENV=production
export SECRET_KEY="load-test-$(date +%s)-$RANDOM-$RANDOM"
export SECURE_COOKIES=0                    # plain http on loopback, for the load test's client only
export API_RATE_LIMIT="100000 per minute"  # every simulated user comes from 127.0.0.1
export SIGN_IN_RATE_LIMIT="1000 per minute"
export MAIL_OUTBOX_ONLY=1                  # no SMTP server: mail stays in the outbox table
export UPLOAD_FOLDER="$WORK/uploads"
export LOG_LEVEL=WARNING
case "$ENGINE" in
  sqlite)
    export DATABASE_URL="sqlite:///$WORK/load.db" ALLOW_SQLITE_IN_PRODUCTION=1 ;;
  postgresql)
    psql -h 127.0.0.1 -U postgres -qc 'DROP DATABASE IF EXISTS lsr_load' -c 'CREATE DATABASE lsr_load'
    export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/lsr_load" ;;
  *) echo "usage: scripts/load.sh sqlite|postgresql" >&2; exit 2 ;;
esac

echo "Preparing $ENGINE: reference data, the Co-operatives UK organisations, a commissioner..."
"$BIN/flask" db upgrade >/dev/null 2>&1
"$BIN/flask" seed >/dev/null
gunzip -c seed_data/social_economy/coops_uk_open_data_organisations_2017-06.csv.gz > "$WORK/coops.csv"
"$BIN/flask" import-suppliers "$WORK/coops.csv" --verified --json --source "Co-operatives UK open data" \
  | "$BIN/python" -c 'import json,sys; print("  imported", json.load(sys.stdin)["created"], "providers")'
LOAD_PASSWORD="load-test-passphrase-$RANDOM"
NEW_USER_PASSWORD="$LOAD_PASSWORD" "$BIN/flask" create-user --role commissioner --email buyer@example.gov.uk >/dev/null
export LOAD_EMAIL=buyer@example.gov.uk LOAD_PASSWORD

setsid scripts/serve.sh > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { tail -20 "$WORK/serve.log"; exit 1; }

echo "Load: $USERS users for $DURATION against http://127.0.0.1:$PORT ($ENGINE, gunicorn ${WEB_CONCURRENCY:-2} workers)"
"$BIN/locust" -f tests/load/locustfile.py --host "http://127.0.0.1:$PORT" --headless -u "$USERS" -r "$USERS" \
  -t "$DURATION" --csv "$WORK/stats" --only-summary --loglevel WARNING >/dev/null 2>"$WORK/locust.log" || true
"$BIN/python" - "$WORK/stats_stats.csv" "$ENGINE" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'page':<32} {'requests':>9} {'failures':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
for r in rows:
    if r["Name"] in ("/sign-in",):
        continue
    print(f"{r['Name']:<32} {int(r['Request Count']):>9,} {int(r['Failure Count']):>9,} "
          f"{float(r['Requests/s']):>8.1f} {r['50%']:>8} {r['95%']:>8}")
PY
