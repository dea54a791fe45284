"""Periodic housekeeping tasks."""

from lead.celery import app
from lead.outbox import outbox_sweep as _outbox_sweep


@app.task(name="lead.tasks.outbox_sweep", acks_late=True)
def outbox_sweep() -> int:
    """Re-publish outbox messages the broker never got (it was down, or a worker died)."""
    return _outbox_sweep()
