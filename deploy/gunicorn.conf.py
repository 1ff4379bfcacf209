"""gunicorn settings for the register (used by `make serve` and the systemd unit in docs/deployment.md).

Workers and threads come from WEB_CONCURRENCY and WEB_THREADS, or else from the machine's cores (see
docs/deployment.md for the rule and the load test it came from).
"""

import os
import sys

#: Threads a worker runs when WEB_THREADS is not set. A request spends part of its time where Python lets another
#: thread run: in SQLite's own code, or waiting on PostgreSQL; 8 served the most at 20 busy users (docs/deployment.md).
THREADS_PER_WORKER = 8


def workers_for(cores: int) -> int:
    """Web workers for a machine with ``cores`` cores: one per core, and at least two (one can be restarting)."""
    return max(2, cores)


_cores = os.cpu_count() or 1
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or workers_for(_cores))
threads = int(os.environ.get("WEB_THREADS") or THREADS_PER_WORKER)
worker_class = "gthread"
# Uploads of up to 50 MB over a slow council network, and an inline check of a small file.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# The app writes its own JSON access line with the request id; gunicorn's would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Recycle workers now and then, so a slow leak can never take a server down.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The longest request line gunicorn takes (its maximum; the default is 4094). The app itself refuses API queries
# over 2,000 characters with a JSON 414, so anything between reaches it and gets an answer in the API's own form.
limit_request_line = 8190


def when_ready(server: object) -> None:
    """Say the shape it runs in, whatever the log level (scripts/load.sh prints it beside its figures)."""
    given = "WEB_CONCURRENCY" in os.environ or "WEB_THREADS" in os.environ
    source = "set by WEB_CONCURRENCY/WEB_THREADS" if given else f"from {_cores} cores"
    print(f"gunicorn: {workers} workers x {threads} threads ({source})", file=sys.stderr, flush=True)
