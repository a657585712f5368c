"""Failed sign-ins are limited per account and per address (frontstage/throttle.py): the login
page and the API token share the count, successes never count, and past the limit even the
right password waits for the window to pass — while other people sign in as usual."""

from typing import Any

import pytest
from django.core.cache.backends import locmem
from django.test import Client

from frontstage import throttle
from tests.conftest import World

PASSWORD = "secret-pass-123"  # tests.factories
TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def limits(settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.LOGIN_FAILURE_WINDOW = 900


def page_login(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def token(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client().post(TOKEN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_sixth_wrong_password_answers_429_and_then_the_right_one_waits(
    world: World,
) -> None:
    for _ in range(3):
        assert page_login("facilitator", "wrong").status_code == 200
    for _ in range(2):
        assert token("facilitator", "wrong").status_code == 400
    refused = page_login("facilitator", "wrong")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert "Too many failed sign-ins" in refused.content.decode()
    assert page_login("facilitator", PASSWORD).status_code == 429
    answer = token("facilitator", PASSWORD)
    assert answer.status_code == 429
    assert answer["Retry-After"] == "900"
    assert "Too many failed sign-ins" in answer.json()["detail"]


def test_the_window_passing_lets_the_right_password_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(6):
        token("facilitator", "wrong")
    assert token("facilitator", PASSWORD).status_code == 429
    now = locmem.time.time()
    monkeypatch.setattr(locmem.time, "time", lambda: now + 901)
    answer = token("facilitator", PASSWORD)
    assert answer.status_code == 200, answer.content
    assert answer.json()["token"]


def test_other_accounts_sign_in_while_one_is_locked(world: World) -> None:
    for _ in range(8):
        page_login("facilitator", "wrong", address="10.0.0.9")
    assert page_login("facilitator", PASSWORD, address="10.0.0.9").status_code == 429
    signed_in = page_login("alice", PASSWORD, address="10.0.0.2")
    assert signed_in.status_code == 302
    assert token("alice", PASSWORD, address="10.0.0.9").status_code == 200


def test_successful_sign_ins_never_count(world: World) -> None:
    for _ in range(10):
        assert token("facilitator", PASSWORD).status_code == 200
    for _ in range(5):
        assert token("facilitator", "wrong").status_code == 400
    assert token("facilitator", "wrong").status_code == 429


def test_one_address_guessing_many_accounts_is_stopped(world: World) -> None:
    names = ["facilitator", "alice", "bob", "manager", "outsider", "nobody"]
    for attempt in range(20):
        assert token(names[attempt % len(names)], "wrong", "10.0.0.7").status_code == 400
    assert token("bob", PASSWORD, "10.0.0.7").status_code == 429
    assert token("bob", PASSWORD, "10.0.0.8").status_code == 200


def test_an_unknown_account_is_refused_like_a_known_one(world: World) -> None:
    answers = [token("nobody-here", "wrong").status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]


def test_password_checks_past_the_cap_answer_429_at_once_and_count_as_no_failure(
    world: World, settings: Any
) -> None:
    """A process checks PASSWORD_CHECKS_AT_ONCE passwords at a time: with every slot taken
    (here by the test itself, as by guesses spread over many accounts), a sign-in waits
    PASSWORD_CHECK_WAIT for one, then answers 429 without checking anything."""
    settings.PASSWORD_CHECK_WAIT = 0.05
    checks = throttle.password_checks()
    taken = 0
    while checks.acquire(blocking=False):
        taken += 1
    assert taken >= 1
    try:
        for _ in range(8):  # more than the per-account limit: none of these counts
            busy = token("facilitator", PASSWORD)
            assert busy.status_code == 429
            assert busy["Retry-After"] == "1"
            assert "Too many sign-ins at once" in busy.json()["detail"]
        page = page_login("facilitator", PASSWORD)
        assert page.status_code == 429
        assert "Too many sign-ins at once" in page.content.decode()
    finally:
        for _ in range(taken):
            checks.release()
    answer = token("facilitator", PASSWORD)
    assert answer.status_code == 200, answer.content
