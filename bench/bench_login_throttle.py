"""Other people's blueprint reads while 16 clients guess passwords in parallel.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_login_throttle.py

Two uvicorn processes serve one throwaway SQLite database (the demo workspace, real password
hashing): one with the failed sign-in limits of frontstage/throttle.py, one with them lifted
(the limits set out of reach: what it was before). For each server, `participant` reads a
blueprint through the API (token auth, no password check) READS times alone — the baseline —
and again while 16 threads post wrong passwords for `facilitator` to `/api/v1/auth/token/` as
fast as they are answered. Prints the median and p95 of the reads in each case and the load
average (`uptime`). Always exits 0.

Then the same with the guesses spread over many accounts (a new username each) and, as if
from many addresses, with both sign-in limits lifted: every guess costs a password check.
Once with the cap on password checks at once lifted (before), once with the default cap
(PASSWORD_CHECKS_AT_ONCE, after).
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
READS = int(os.environ.get("BENCH_READS", "40"))
GUESSERS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [str(VENV_BIN / "uvicorn"), "frontstage.asgi:application", "--port", address[10:],
         "--log-level", "warning"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL,  # Django logs every 400 and 429
    )  # fmt: skip
    for _ in range(600):
        try:
            requests.get(f"http://{address}/accounts/login/", timeout=1)
            return server, address
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def reads(base: str, headers: dict[str, str], blueprint: int) -> list[float]:
    session = requests.Session()
    took = []
    for _ in range(READS):
        start = time.perf_counter()
        answer = session.get(f"{base}/api/v1/blueprints/{blueprint}/", headers=headers, timeout=60)
        took.append(time.perf_counter() - start)
        assert answer.status_code == 200, answer.status_code
    return took


def guess(base: str, stop: threading.Event, answers: list[int], spread: bool) -> None:
    session = requests.Session()
    while not stop.is_set():
        username = f"guess{len(answers)}-{threading.get_ident()}" if spread else "facilitator"
        answer = session.post(
            f"{base}/api/v1/auth/token/",
            data={"username": username, "password": "not-the-password"},
            timeout=60,
        )
        answers.append(answer.status_code)


def measure(base: str, spread: bool = False) -> dict[str, object]:
    token = requests.post(
        f"{base}/api/v1/auth/token/",
        data={"username": "participant", "password": "frontstage"},
        timeout=60,
    ).json()["token"]
    headers = {"Authorization": f"Token {token}"}
    blueprint = requests.get(f"{base}/api/v1/blueprints/", headers=headers, timeout=60).json()[
        "results"
    ][0]["id"]
    reads(base, headers, blueprint)  # warm up
    alone = reads(base, headers, blueprint)
    stop, answers = threading.Event(), []
    guessers = [
        threading.Thread(target=guess, args=(base, stop, answers, spread)) for _ in range(GUESSERS)
    ]
    for thread in guessers:
        thread.start()
    time.sleep(1)
    attacked = reads(base, headers, blueprint)
    stop.set()
    for thread in guessers:
        thread.join()
    return {"alone": alone, "attacked": attacked, "answers": answers, "load": os.getloadavg()[0]}


def summary(took: list[float]) -> str:
    ordered = sorted(took)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(took) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{tmp}/throttle.sqlite3",
            "DEBUG": "1",
            "DEMO_CONTACTS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "0",
        }
        env.pop("REDIS_URL", None)
        python = str(VENV_BIN / "python")
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)  # fmt: skip
        lifted = {"LOGIN_FAILURES_PER_ACCOUNT": "1000000", "LOGIN_FAILURES_PER_ADDRESS": "1000000"}
        uncapped = lifted | {"PASSWORD_CHECKS_AT_ONCE": "1000"}
        results = {}
        for name, extra, spread in (
            ("limits and cap lifted (before)", uncapped, False),
            ("throttled (after)", {}, False),
            ("spread over accounts and addresses, no cap on checks (before)", uncapped, True),
            ("spread over accounts and addresses, default cap on checks (after)", lifted, True),
        ):
            server, address = start_server(env | extra)
            try:
                results[name] = measure(f"http://{address}", spread)
            finally:
                server.terminate()
                server.wait()
        print(f"Blueprint reads by another user, {READS} each, {GUESSERS} parallel wrong passwords")
        for name, found in results.items():
            codes = found["answers"]
            refused = sum(code == 429 for code in codes)
            print(f"  {name}  (load {found['load']:.1f})")
            print(f"    no guessing (baseline)  {summary(found['alone'])}")
            print(
                f"    16 guessing             {summary(found['attacked'])}   "
                f"({len(codes)} guesses, {refused} answered 429)"
            )
        print("  load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
