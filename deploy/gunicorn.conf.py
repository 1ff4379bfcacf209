"""gunicorn settings for the register (used by `make serve` and the systemd unit in docs/deployment.md)."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
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
