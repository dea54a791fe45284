"""The health checks of the Celery worker and of beat (docker-compose.yml) tell a live process
from a dead or frozen one. Beat matters as much as the worker: it is the only process that
re-sends stuck outbox work, and a dead beat used to go unnoticed.

Docker is not available here, so the checks run outside it: the exact commands of
docker-compose.yml, against a real worker and a real beat started from this checkout. The
broker is Celery's file-system transport in a temporary folder instead of Redis, so the tests
need no Redis and touch no shared one; the processes get a database address that cannot
connect, so nothing they do reaches a real database. The only change to the commands is a
shorter ping timeout, so that a failing check answers in seconds.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = (ROOT / "docker-compose.yml").read_text()
STARTUP_SECONDS = 90  # two shared cores: Django and Celery start slowly under load
PING_TIMEOUT = "5"


def compose_health_check(service: str) -> str:
    """The CMD-SHELL health check of ``service`` in docker-compose.yml."""
    block = re.search(rf"^  {service}:\n(.*?)(?=^  \w|\Z)", COMPOSE, re.M | re.S)
    assert block, f"no service {service} in docker-compose.yml"
    test = re.search(r'test: \["CMD-SHELL", "([^"]+)"\]', block.group(1))
    assert test, f"no health check for {service} in docker-compose.yml"
    return test.group(1)


@pytest.fixture
def broker(tmp_path) -> Path:
    """A file-system broker shared by every process started in this folder."""
    (tmp_path / "data_in").mkdir()
    (tmp_path / "control").mkdir()
    (tmp_path / "data_out").symlink_to(tmp_path / "data_in")
    return tmp_path


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEAD_"))}
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/nothing"  # parsed, never connected
    env["PYTHONPATH"] = str(ROOT)
    return env


def _celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "lead", "-b", "filesystem://", *args]


def _as_run_here(check: str, hostname: str) -> list[str]:
    """docker-compose's command, for this broker and host, with a short timeout."""
    words = shlex.split(check.replace("$$HOSTNAME", hostname))
    assert words[:3] == ["celery", "-A", "lead"], check
    words = [*_celery(), *words[3:]]
    return [
        PING_TIMEOUT if previous == "--timeout" else word
        for previous, word in zip(["", *words[:-1]], words, strict=True)
    ]


@pytest.fixture
def start(broker) -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def run(*args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            _celery(*args),
            cwd=broker,
            env=_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield run
    for process in started:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGCONT)  # a frozen process cannot act on SIGTERM
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _healthy(command: list[str], broker: Path) -> bool:
    result = subprocess.run(
        command, cwd=broker, env=_environment(), capture_output=True, text=True, timeout=60
    )
    return result.returncode == 0


def _becomes_healthy(command: list[str], broker: Path) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if _healthy(command, broker):
            return True
        time.sleep(1)
    return False


def test_every_app_service_is_restarted_when_it_exits():
    app = re.search(r"^x-app: &app\n(.*?)\n\n", COMPOSE, re.M | re.S).group(1)
    assert "restart: unless-stopped" in app
    for service in ["web", "worker", "beat"]:
        block = re.search(rf"^  {service}:\n    <<: \*app\n", COMPOSE, re.M)
        assert block, f"{service} does not use the app defaults (and their restart policy)"


def test_the_worker_health_check_passes_while_it_runs_and_fails_once_it_is_gone(start, broker):
    host = f"lead-check-{os.getpid()}"
    check = _as_run_here(compose_health_check("worker"), host)
    # A queue nobody sends to: this worker must never run anything.
    worker = start(
        "worker",
        "-n",
        f"celery@{host}",
        "-Q",
        "lead-health-check-only",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--loglevel",
        "WARNING",
    )
    assert _becomes_healthy(check, broker), "the worker never answered its health check"
    _stop(worker)
    assert not _healthy(check, broker)


def test_the_beat_health_check_passes_while_it_runs_and_fails_when_frozen_or_gone(start, broker):
    host = f"lead-check-{os.getpid()}"
    check = _as_run_here(compose_health_check("beat"), host)
    beat = start(
        "beat",
        "-n",
        host,
        "--schedule",
        str(broker / "celerybeat-schedule"),
        "--loglevel",
        "WARNING",
    )
    assert _becomes_healthy(check, broker), "beat never answered its health check"

    os.killpg(beat.pid, signal.SIGSTOP)  # frozen
    assert not _healthy(check, broker)
    os.killpg(beat.pid, signal.SIGCONT)
    assert _becomes_healthy(check, broker)

    _stop(beat)
    assert not _healthy(check, broker)
