"""Gunicorn settings for the ``web`` service of docker-compose.yml.

Gunicorn itself reads ``WEB_CONCURRENCY`` (workers) and ``FORWARDED_ALLOW_IPS`` from the
environment; the other knobs below are fixed on purpose.
"""

import os
import re

from gunicorn.glogging import Logger

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 60
graceful_timeout = 30
keepalive = 5
# The heartbeat file on tmpfs: a container's /tmp is on the overlay disk, which can stall it.
worker_tmp_dir = "/dev/shm"  # noqa: S108 (tmpfs in every container)
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100

accesslog = "-"
errorlog = "-"
# Paths only, never query strings: a search such as ?q=<name> would put personal data in the
# logs. %(U)s is the path without the query string.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'

# An invitation's code travels after "#" in its link, which browsers never send. Belt and
# braces: anything after /invite/<uuid>/ in a logged path (a link from an e-mail sent before
# the code moved there, or typed by hand) is replaced, so the log never holds a password-setting
# secret.
INVITATION_SECRET = re.compile(r"(/invite/[0-9a-fA-F-]{36}/)[^\s\"]+")


def redact(value: str) -> str:
    return INVITATION_SECRET.sub(r"\1[redacted]", value)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger

# No gunicornc control socket (gunicorn 25.1+): it would be created under $HOME, which the
# container's user cannot write. Older gunicorn ignores this name.
control_socket_disable = True
