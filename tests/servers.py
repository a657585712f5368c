"""Real server processes for the tests that need them (WebSockets, several processes).

Each module that uses them gets a database of its own, of the suite's kind (a SQLite file, or
a fresh PostgreSQL database when the suite runs on PostgreSQL), migrated and seeded with the
demo workspace, and one or more uvicorn processes serving it.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_redis() -> None:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            assert sock.recv(16).startswith(b"+PONG"), "Redis did not answer PING"
    except OSError as error:
        pytest.fail(f"Redis must run on {REDIS_HOST}:{REDIS_PORT} for this test: {error}")


def database_for_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the suite's kind, just for the two servers."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
        return
    config = settings.DATABASES["default"]
    name = f"frontstage_live_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    parsed = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    auth = parsed["USER"] + (f":{parsed['PASSWORD']}" if parsed["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{parsed['HOST']}:{parsed['PORT'] or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def wait_until_up(address: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server {address} exited:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"http://{address}/accounts/login/", timeout=5)
            return
        except requests.RequestException:  # not listening yet, or still starting up
            time.sleep(0.1)
    pytest.fail(f"server {address} did not start:\n{log.read_text()[-3000:]}")


@contextmanager
def uvicorn_servers(
    database_url: str, logs: Path, names: list[str], env: dict[str, str]
) -> Iterator[list[str]]:
    """Migrate and seed the database, then serve it with one uvicorn process per name."""
    env = (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "0",
            "DEMO_CONTACTS": "0",  # the demo's blueprints are enough here
        }
        | env
    )
    python = str(VENV_BIN / "python")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    processes: list[subprocess.Popen] = []
    addresses = []
    try:
        for name in names:
            address = f"127.0.0.1:{free_port()}"
            log = logs / f"{name}.log"
            command = [str(VENV_BIN / "uvicorn"), "frontstage.asgi:application"]
            command += ["--host", "127.0.0.1", "--port", address.split(":")[1]]
            with log.open("w") as out:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            processes.append(process)
            wait_until_up(address, process, log)
            addresses.append(address)
        yield addresses
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def manage(database_url: str, *args: str) -> str:
    """Run a management command on the servers' database."""
    env = os.environ | {"DATABASE_URL": database_url, "DEBUG": "1"}
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def token_client(base_url: str, username: str, password: str) -> requests.Session:
    """A requests session that speaks to the API as `username`, with a token."""
    client = requests.Session()
    answer = client.post(
        f"{base_url}/api/v1/auth/token/",
        data={"username": username, "password": password},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text[:300]
    client.headers["Authorization"] = f"Token {answer.json()['token']}"
    return client
