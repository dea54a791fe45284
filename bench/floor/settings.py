"""``lead.settings`` for the benchmark: the app's URLs plus the floor views, nothing else changed.

Two swaps only, both for the benchmark's gunicorn:

- ``ROOT_URLCONF``: ``bench.floor.urls`` (the app's URLs, untouched, and ``/bench-floor/...``).
- ``STATIC_ROOT``: a throwaway folder (``BENCH_STATIC_ROOT``) for ``collectstatic``, which the
  production static storage needs, so the checkout's ``staticfiles/`` is left alone.

With ``BENCH_PROFILE_DIR`` set, timing probes are put between the middleware (see
``bench.floor.probes``); the ratio table is always measured without them.
"""

import os
from pathlib import Path

from lead.settings import *  # noqa: F403
from lead.settings import MIDDLEWARE

ROOT_URLCONF = "bench.floor.urls"

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])

if os.environ.get("BENCH_PROFILE_DIR"):
    from bench.floor.probes import probed_middleware

    MIDDLEWARE = probed_middleware(MIDDLEWARE)
