#!/usr/bin/env bash
# `make serve`: the production shape on this machine. gunicorn web workers on 127.0.0.1, an RQ worker for imports,
# PostgreSQL and Redis from DATABASE_URL and REDIS_URL (defaults: the local servers). No demo data, no demo accounts.
set -euo pipefail
cd "$(dirname "$0")/.."

export APP_ENV=production
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/register}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export JOB_RUNNER="${JOB_RUNNER:-rq}"
export LOG_FORMAT="${LOG_FORMAT:-json}"
# Production refuses to start without MAIL_SERVER; with none on this machine, mail stays in the outbox (flask outbox).
[ -n "${MAIL_SERVER:-}" ] || export MAIL_OUTBOX_ONLY="${MAIL_OUTBOX_ONLY:-1}"
PORT="${PORT:-8000}"
# Links in emails and the API start here, and it is the one Host the service answers to (TRUSTED_HOSTS adds more).
export SERVER_BASE_URL="${SERVER_BASE_URL:-http://127.0.0.1:$PORT}"
BIN=.venv/bin

if [ -z "${SECRET_KEY:-}" ]; then
  # A key of its own for this machine, kept outside the repository (a real server sets SECRET_KEY itself).
  mkdir -p instance && umask 077
  [ -s instance/serve_secret_key ] || "$BIN/python" -c 'import secrets; print(secrets.token_hex(32))' > instance/serve_secret_key
  SECRET_KEY="$(cat instance/serve_secret_key)"
  export SECRET_KEY
fi

"$BIN/python" - <<'PY'
"""Create the database named in DATABASE_URL if the server lacks it, and check Redis answers."""
import os, sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from app.config import normalise_database_url

url = make_url(normalise_database_url(os.environ["DATABASE_URL"]))
if url.get_backend_name() == "postgresql":
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
                print(f"Created database {url.database}")
    except Exception as error:
        sys.exit(f"PostgreSQL is not reachable at {url.render_as_string(hide_password=True)}: {error}")
from redis import Redis
try:
    Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=2).ping()
except Exception as error:
    print(f"Redis is not reachable at {os.environ['REDIS_URL']} ({error}): imports will run inside the web workers",
          file=sys.stderr)
PY

"$BIN/flask" db upgrade
"$BIN/flask" seed            # reference data only (areas, thresholds, services, the council, postcodes); idempotent
# Search documents follow the code that writes them: rebuilt at each start (REINDEX_ON_START=0 skips it, for a
# register whose documents were just written, as the load test's are).
[ "${REINDEX_ON_START:-1}" = 0 ] || "$BIN/flask" search reindex >/dev/null
"$BIN/python" - <<'PY'
from app import create_app
from app.domain.roles import Role
from app.extensions import db
from app.models import User
from sqlalchemy import func, select
with create_app().app_context():
    if not db.session.scalar(select(func.count()).select_from(User).where(User.role.in_([Role.OFFICER, Role.ADMIN]))):
        print("No officer yet. Create the first one with:\n"
              "  APP_ENV=production DATABASE_URL=... .venv/bin/flask create-user --role admin --email you@council.gov.uk")
PY

"$BIN/rq" worker --url "$REDIS_URL" --name "register-$(hostname)-$$" "${RQ_QUEUE:-register}" &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null; wait "$WORKER" 2>/dev/null' EXIT INT TERM
echo "Serving on http://127.0.0.1:${PORT} with an RQ worker (pid ${WORKER}); gunicorn's workers and threads from" \
  "WEB_CONCURRENCY and WEB_THREADS, else the machine's cores (deploy/gunicorn.conf.py)"
"$BIN/gunicorn" --config deploy/gunicorn.conf.py --bind "127.0.0.1:${PORT}" 'app:create_app()'
