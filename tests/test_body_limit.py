"""Request bodies are refused while they arrive (frontstage/bodylimit.py), through a real
uvicorn: a declared length over the limit before any of the body, a chunked body as soon as
it passes the limit, an anonymous write past a small limit — and ordinary requests pass."""

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.servers import database_for_servers, token_client, uvicorn_servers

pytestmark = pytest.mark.xdist_group("body_limit")

LIMIT = 2 * 1024 * 1024
ANONYMOUS_LIMIT = 64 * 1024
MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    databases = database_for_servers(tmp_path_factory)
    logs = tmp_path_factory.mktemp("body-limit-logs")
    env = {"MAX_UPLOAD_BYTES": str(LIMIT), "MAX_ANONYMOUS_BODY_BYTES": str(ANONYMOUS_LIMIT)}
    try:
        with uvicorn_servers(next(databases), logs, ["web"], env) as (address,):
            yield {"address": address, "log": logs / "web.log"}
    finally:
        next(databases, None)


def send_chunked(address: str, path: str, headers: dict[str, str], total: int) -> tuple[int, str]:
    """POST up to `total` bytes chunked; (bytes sent before the server answered, its answer)."""
    host, port = address.split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = [f"POST {path} HTTP/1.1", f"Host: {address}", "Transfer-Encoding: chunked"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    chunk = b"x" * 65536
    sent, answer = 0, b""
    sock.setblocking(False)
    try:
        while sent < total:
            try:
                answer += sock.recv(65536)
                if answer:
                    break
            except BlockingIOError:
                pass
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            except BlockingIOError:
                time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.setblocking(True)
    sock.settimeout(10)
    try:
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    except (OSError, TimeoutError):
        pass
    sock.close()
    return sent, answer.decode("latin-1")


def refused_after(log: Path, path: str) -> int:
    found = re.findall(
        rf"Request body refused after (\d+) bytes \(limit \d+\): {path}\n", log.read_text()
    )
    assert found, log.read_text()[-2000:]
    return int(found[-1])


def test_a_declared_length_over_the_limit_is_refused_before_the_body(
    server: dict[str, Any],
) -> None:
    host, port = server["address"].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            (
                f"POST /api/v1/contact-imports/ HTTP/1.1\r\nHost: {server['address']}\r\n"
                f"Authorization: Token whatever\r\nContent-Length: {300 * MB}\r\n\r\n"
            ).encode()
        )
        received = b""  # not one byte of the body sent; the answer may come in several parts
        while chunk := sock.recv(65536):  # the server closes the connection after its 413
            received += chunk
        answer = received.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "too large" in answer


def test_a_chunked_body_is_cut_off_soon_after_the_limit(server: dict[str, Any]) -> None:
    api = token_client(f"http://{server['address']}", "facilitator", "frontstage")
    token = api.headers["Authorization"]
    sent, answer = send_chunked(
        server["address"],
        "/api/v1/contact-imports/",
        {"Authorization": token, "Content-Type": "application/octet-stream"},
        total=200 * MB,
    )
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert refused_after(server["log"], "/api/v1/contact-imports/") <= LIMIT + MB
    assert sent < 50 * MB  # the client learnt early, too


def test_an_anonymous_chunked_post_is_refused_past_the_small_limit(
    server: dict[str, Any],
) -> None:
    sent, answer = send_chunked(
        server["address"],
        "/accounts/login/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        total=200 * MB,
    )
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert refused_after(server["log"], "/accounts/login/") <= ANONYMOUS_LIMIT + MB


def test_ordinary_requests_pass(server: dict[str, Any]) -> None:
    base = f"http://{server['address']}"
    api = token_client(base, "facilitator", "frontstage")  # an anonymous write, small
    workspace = api.get(f"{base}/api/v1/workspaces/", timeout=10).json()["results"][0]["id"]
    csv = b"Customer;Date;Category\r\n" + b"C-1;2024-03-01;Complaint\r\n" * 40000  # ~1 MB
    answer = api.post(
        f"{base}/api/v1/contact-imports/",
        data={"workspace": workspace},
        files={"file": ("crm.csv", csv, "text/csv")},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text[:300]
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    signed_in = browser.post(
        f"{base}/accounts/login/",
        data={
            "username": "participant",
            "password": "frontstage",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302
