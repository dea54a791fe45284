"""The web container's health check: GET /healthz must answer 200 (the database answers).

It runs inside the container, so it talks to gunicorn directly. With ``DJANGO_DEBUG=0`` Django
accepts only the hosts in ``DJANGO_ALLOWED_HOSTS`` and redirects plain HTTP to HTTPS, so the
request names the first allowed host and says it came through the TLS proxy.
"""

import os
import sys
import urllib.request

hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
host = hosts[0].lstrip(".") if hosts else "localhost"
if host == "*":
    host = "localhost"

request = urllib.request.Request(
    "http://127.0.0.1:8000/healthz",
    headers={"Host": host, "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed local URL)
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"healthcheck failed: {exc}", file=sys.stderr)
    sys.exit(1)
