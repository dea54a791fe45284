"""The framework's floor, served beside the app for ``make bench`` only (never in production).

``bench.floor.settings`` is ``lead.settings`` with ``ROOT_URLCONF`` swapped for
``bench.floor.urls``: the app's own URLs plus three bare views under ``/bench-floor/``.
"""
