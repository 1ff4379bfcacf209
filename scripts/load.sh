#!/usr/bin/env bash
# `make load`: a bounded load test on loopback. Prepares a database, serves the production shape with scripts/serve.sh,
# runs tests/load/locustfile.py with 20 users for DURATION, prints p50 and p95 per page (as the client saw them and
# as the server timed them, from its access log), requests a second and failures, then stops.
#   scripts/load.sh sqlite [demo]         # SQLite file (ALLOW_SQLITE_IN_PRODUCTION=1), the demo size: the
#                                         # Co-operatives UK organisations (8,367) imported as verified providers
#   scripts/load.sh postgresql 100000     # the local PostgreSQL (database lsr_load, made again), 100,000 providers
#                                         # from tests/benchmarks/register_data.py
# A prepared register is kept and reused while the schema, the seed and the generators are unchanged (LOAD_CACHE,
# default instance/load-cache/, for SQLite; a template database lsr_load_template_SIZE on PostgreSQL);
# LOAD_REBUILD=1 makes it again. WEB_CONCURRENCY and WEB_THREADS set gunicorn's workers and threads (default: from
# the machine's cores, deploy/gunicorn.conf.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE="${1:-sqlite}"
SIZE="${2:-demo}"
export PORT="${PORT:-8100}"
export SERVER_BASE_URL="http://127.0.0.1:$PORT"   # production needs it: links, and the one Host it answers
DURATION="${DURATION:-60s}"
USERS="${USERS:-20}"
BIN=.venv/bin
CACHE="${LOAD_CACHE:-instance/load-cache}"
WORK="$(mktemp -d)"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then
    kill -- "-$SERVER" 2>/dev/null || kill "$SERVER" 2>/dev/null || true
    # gunicorn finishes its requests first (graceful_timeout): wait, so the next run finds the database free.
    for _ in $(seq 1 40); do ps -s "$SERVER" >/dev/null 2>&1 || break; sleep 1; done
    kill -KILL -- "-$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
case "$SIZE" in
  demo) ;;
  *[!0-9]*|"") echo "usage: scripts/load.sh sqlite|postgresql [demo|PROVIDERS]" >&2; exit 2 ;;
esac

export APP_ENV=production
export SECRET_KEY="load-test-$(date +%s)-$RANDOM-$RANDOM"
export SECURE_COOKIES=0                    # plain http on loopback, for the load test's client only
export API_RATE_LIMIT="100000 per minute"  # every simulated user comes from 127.0.0.1
export SIGN_IN_RATE_LIMIT="1000 per minute"
export MAIL_OUTBOX_ONLY=1                  # no SMTP server: mail stays in the outbox table
export UPLOAD_FOLDER="$WORK/uploads"
export LOG_LEVEL=INFO LOG_FORMAT=json      # the access log: each request's own time on the server
export REINDEX_ON_START=0                  # the prepared register's search documents are current

# What the prepared register depends on (the schema, the reference data, and the import or the generator that makes
# its providers): when any of it changes, the register is made again.
if [ "$SIZE" = demo ]; then makers="app/services/imports app/services/fulltext.py"; else
  makers="tests/benchmarks/register_data.py tests/load/make_register.py"; fi
# shellcheck disable=SC2086
KEY="$(find migrations/versions app/services/seed.py $makers -name '*.py' -type f | sort | xargs cat \
  | sha256sum | cut -c1-16)-$SIZE"

prepare() {
  # A register in $DATABASE_URL: the schema, reference data, then the providers.
  "$BIN/flask" db upgrade >"$WORK/prepare.log" 2>&1 || { tail -20 "$WORK/prepare.log"; exit 1; }
  "$BIN/flask" seed >"$WORK/prepare.log" 2>&1 || { tail -20 "$WORK/prepare.log"; exit 1; }
  if [ "$SIZE" = demo ]; then
    gunzip -c seed_data/social_economy/coops_uk_open_data_organisations_2017-06.csv.gz > "$WORK/coops.csv"
    "$BIN/flask" import-suppliers "$WORK/coops.csv" --verified --json --source "Co-operatives UK open data" \
      | "$BIN/python" -c 'import json,sys; print("  imported", json.load(sys.stdin)["created"], "providers")'
  else
    "$BIN/python" -m tests.load.make_register --database-url "$DATABASE_URL" --providers "$SIZE"
  fi
}

started=$SECONDS
case "$ENGINE" in
  sqlite)
    export ALLOW_SQLITE_IN_PRODUCTION=1
    mkdir -p "$CACHE"
    kept="$CACHE/sqlite-$KEY.db"
    if [ -n "${LOAD_REBUILD:-}" ] || [ ! -s "$kept" ]; then
      echo "Preparing a SQLite register ($SIZE): reference data, the UK postcode directory, the providers..."
      rm -f "$CACHE"/sqlite-*-"$SIZE".db "$CACHE"/sqlite-*-"$SIZE".db.tmp
      DATABASE_URL="sqlite:///$PWD/$kept.tmp" prepare
      mv "$kept.tmp" "$kept"
    fi
    cp "$kept" "$WORK/load.db"
    export DATABASE_URL="sqlite:///$WORK/load.db" ;;
  postgresql)
    export PGOPTIONS="-c client_min_messages=warning"
    PSQL=(psql -h 127.0.0.1 -U postgres -qAt)
    template="lsr_load_template_$SIZE"
    held="$("${PSQL[@]}" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$template'")"
    if [ -n "${LOAD_REBUILD:-}" ] || [ "$held" != "$KEY" ]; then
      echo "Preparing a PostgreSQL register ($SIZE): reference data, the UK postcode directory, the providers..."
      "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $template" -c "CREATE DATABASE $template"
      DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$template" prepare
      "${PSQL[@]}" -c "COMMENT ON DATABASE $template IS '$KEY'"
    fi
    "${PSQL[@]}" -c 'DROP DATABASE IF EXISTS lsr_load WITH (FORCE)' -c "CREATE DATABASE lsr_load TEMPLATE $template"
    export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/lsr_load" ;;
  *) echo "usage: scripts/load.sh sqlite|postgresql [demo|PROVIDERS]" >&2; exit 2 ;;
esac
LOAD_PASSWORD="load-test-passphrase-$RANDOM"
NEW_USER_PASSWORD="$LOAD_PASSWORD" "$BIN/flask" create-user --role commissioner --email buyer@example.gov.uk >/dev/null
export LOAD_EMAIL=buyer@example.gov.uk LOAD_PASSWORD
echo "  register ready in $((SECONDS - started)) s"

started=$SECONDS
setsid scripts/serve.sh > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do
  if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { tail -20 "$WORK/serve.log"; exit 1; }
# Warm every worker (its build digest, the council's boundaries, the engine's caches) before anything is timed.
for _ in $(seq 1 8); do
  for path in "/directory" "/directory?q=community" "/directory/1" "/api/v1/eligible-providers?council=E08000011&value=4000"; do
    curl -s -o /dev/null -H "X-Request-ID: warm-up.$RANDOM$RANDOM" "http://127.0.0.1:$PORT$path"
  done
done
echo "  server up and warm in $((SECONDS - started)) s"
server_cpu() {
  # CPU time (clock ticks) the web server's processes have used: gunicorn and its workers. Unlike the times, this
  # hardly moves with whatever else shares the cores. PostgreSQL's own work is in its processes, not counted here.
  local total=0 pid
  for pid in $(ps -s "$SERVER" -o pid=,comm= | awk '$2 == "gunicorn" {print $1}'); do
    read -r -a stat < "/proc/$pid/stat" 2>/dev/null || continue
    total=$((total + stat[13] + stat[14]))
  done
  echo "$total"
}
shape="$(grep -o 'gunicorn: [0-9]* workers x [0-9]* threads[^"]*' "$WORK/serve.log" | head -1 || true)"

echo "Load: $USERS users for $DURATION against http://127.0.0.1:$PORT ($ENGINE, $SIZE providers, ${shape:-gunicorn})"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (the load test's own client shares them)"
cpu_before="$(server_cpu)"
PYTHONPATH="$PWD" "$BIN/locust" -f tests/load/locustfile.py --host "http://127.0.0.1:$PORT" --headless -u "$USERS" -r "$USERS" \
  -t "$DURATION" --csv "$WORK/stats" --only-summary --loglevel WARNING >/dev/null 2>"$WORK/locust.log" || true
cpu_used=$(( $(server_cpu) - cpu_before ))
"$BIN/python" - "$WORK/stats_stats.csv" "$WORK/serve.log" "$cpu_used" "$(getconf CLK_TCK)" <<'PY'
import csv, json, statistics, sys
sys.path.insert(0, ".")
from tests.load.pages import PAGES

server: dict[str, list[float]] = {}
for line in open(sys.argv[2], errors="replace"):
    if not line.startswith("{"):
        continue
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    tag = (entry.get("request_id") or "").split(".")[0]
    if entry.get("duration_ms") is not None:
        server.setdefault(tag, []).append(float(entry["duration_ms"]))


def percentile(values: list[float], share: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))]:.0f}"


print(f"{'page':<32} {'requests':>9} {'failures':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
      f" {'server p50':>11} {'server p95':>11}")
for r in csv.DictReader(open(sys.argv[1])):
    if r["Name"] == "/sign-in":
        continue
    times = server.get(PAGES.get(r["Name"], ""), []) if r["Name"] != "Aggregated" else [
        t for tag, values in server.items() if tag in PAGES.values() for t in values]
    print(f"{r['Name']:<32} {int(r['Request Count']):>9,} {int(r['Failure Count']):>9,} "
          f"{float(r['Requests/s']):>7.1f} {r['50%']:>7} {r['95%']:>7} {percentile(times, 0.5):>11} "
          f"{percentile(times, 0.95):>11}")
    if r["Name"] == "Aggregated" and int(r["Request Count"]):
        cpu_ms = int(sys.argv[3]) * 1000 / int(sys.argv[4]) / int(r["Request Count"])
        print(f"web server CPU: {cpu_ms:.1f} ms a request (gunicorn's processes; the database's own work not counted)")
PY
if grep -q . "$WORK/stats_failures.csv" 2>/dev/null && [ "$(wc -l < "$WORK/stats_failures.csv")" -gt 1 ]; then
  echo "Failures:"; tail -n +2 "$WORK/stats_failures.csv" | head -10
fi
