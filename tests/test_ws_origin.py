"""The live connection is accepted only from the page's own origin — scheme, host and port —
or a trusted one (frontstage/origins.py): a page on another port of the same host is refused."""

from typing import Any

from channels.testing import WebsocketCommunicator

from frontstage.asgi import application
from frontstage.origins import allowed
from tests.browser import run_in_own_loop


def scope(
    origin: str | None, host: str = "127.0.0.1:8000", scheme: str = "ws", **more: str
) -> dict:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers += [(name.encode(), value.encode()) for name, value in more.items()]
    return {"type": "websocket", "scheme": scheme, "headers": headers}


def test_the_pages_own_origin_is_accepted() -> None:
    assert allowed(scope("http://127.0.0.1:8000"))
    assert allowed(scope("http://localhost", host="localhost:80"))
    assert allowed(scope("https://frontstage.example.org", "frontstage.example.org", "wss"))


def test_another_port_scheme_or_host_is_refused() -> None:
    assert not allowed(scope("http://127.0.0.1:8001"))
    assert not allowed(scope("http://127.0.0.1"))
    assert not allowed(scope("https://127.0.0.1:8000"))
    assert not allowed(scope("http://localhost:8000"))
    assert not allowed(scope(None))
    assert not allowed(scope("null"))
    assert not allowed(scope("http://127.0.0.1:99999"))


def test_a_trusted_origin_and_the_proxys_https_are_accepted(settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org"]
    assert allowed(scope("https://app.example.org", host="internal:8000"))
    assert not allowed(scope("https://app.example.org:8443", host="internal:8000"))
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = scope("https://frontstage.example.org", "frontstage.example.org")
    assert not allowed(proxied)
    proxied["headers"].append((b"x-forwarded-proto", b"https"))
    assert allowed(proxied)


def test_the_application_refuses_a_page_on_another_port(transactional_db: None) -> None:
    async def connect() -> bool:
        communicator = WebsocketCommunicator(
            application,
            "/ws/blueprints/1/",
            headers=[(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8001")],
        )
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert not run_in_own_loop(connect)
