"""Static files as production serves them, over HTTP: after `collectstatic`, pages name
fingerprinted files, which answer compressed and cached for a year (immutable), and every ES
module a script imports is fingerprinted too; pages themselves are compressed, except those
showing a secret that stays the same between answers.

The server runs with DEBUG=0 on its own STATIC_ROOT, collected here as a deployment does.
"""

import os
import re
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.servers import ROOT, VENV_BIN, database_for_servers, token_client, uvicorn_servers

pytestmark = pytest.mark.xdist_group("static_files")

HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(js|css|svg)$")
ASSETS = re.compile(r'<(?:script[^>]* src|link[^>]* href)="(/static/[^"]+)"')
# The module specifiers of static imports, re-exports and dynamic imports.
IMPORTS = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}/[^"']+)["']""")
YEAR = "max-age=31536000"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    static_root = tmp_path_factory.mktemp("collected")
    env = {"DEBUG": "0", "STATIC_ROOT": str(static_root), "FRONTSTAGE_INSECURE_DEV_KEY": "1"}
    collected = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
    )
    assert collected.returncode == 0, collected.stderr[-3000:]
    databases = database_for_servers(tmp_path_factory)
    logs = tmp_path_factory.mktemp("static-logs")
    try:
        with uvicorn_servers(next(databases), logs, ["web"], env) as (address,):
            base = f"http://{address}"
            api = token_client(base, "facilitator", "frontstage")
            blueprints = api.get(f"{base}/api/v1/blueprints/", timeout=10).json()["results"]
            team = next(row for row in blueprints if row["kind"] == "team")
            invited = api.post(
                f"{base}/api/v1/workspaces/{team['workspace']}/members/",
                json={"invitee": "newcomer@example.org", "role": "participant"},
                timeout=10,
            )
            assert invited.status_code == 201, invited.text
            yield {"base": base, "blueprint": team["id"], "workspace": team["workspace"]}
    finally:
        next(databases, None)


def signed_in(base: str) -> requests.Session:
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    answer = browser.post(
        f"{base}/accounts/login/",
        data={
            "username": "facilitator",
            "password": "frontstage",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        timeout=10,
    )
    assert answer.ok and "sessionid" in browser.cookies
    return browser


def assert_immutable_and_compressed(url: str) -> str:
    for encoding in ("br", "gzip"):
        answer = requests.get(url, headers={"Accept-Encoding": encoding}, timeout=10)
        assert answer.status_code == 200, url
        assert answer.headers.get("Content-Encoding") == encoding, (url, answer.headers)
        cache = answer.headers["Cache-Control"]
        assert YEAR in cache and "immutable" in cache, (url, cache)
        assert "Accept-Encoding" in answer.headers.get("Vary", "")
    return answer.text  # decoded by requests


def test_editor_names_fingerprinted_files_cached_for_a_year(server: dict[str, Any]) -> None:
    page = signed_in(server["base"]).get(
        f"{server['base']}/blueprints/{server['blueprint']}/", timeout=30
    )
    assert page.status_code == 200
    assets = ASSETS.findall(page.text)
    assert any("/js/blueprint/main." in a for a in assets), assets
    assert any(a.endswith(".css") for a in assets), assets
    seen: set[str] = set()
    todo = [urljoin(server["base"], a) for a in assets]
    modules = 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        assert HASHED.search(url), f"not fingerprinted: {url}"
        body = assert_immutable_and_compressed(url)
        if url.endswith(".js"):
            for specifier in IMPORTS.findall(body):
                modules += 1
                imported = urljoin(url, specifier)
                assert HASHED.search(imported), f"{url} imports {specifier}, not fingerprinted"
                todo.append(imported)
    # main.js alone imports a dozen of the editor's modules.
    assert modules >= 12


def test_plain_names_still_answer_but_are_revalidated(server: dict[str, Any]) -> None:
    answer = requests.get(f"{server['base']}/static/js/blueprint/api.js", timeout=10)
    assert answer.status_code == 200
    assert "immutable" not in answer.headers.get("Cache-Control", "")


def test_pages_are_compressed_but_not_those_with_a_lasting_secret(
    server: dict[str, Any],
) -> None:
    browser = signed_in(server["base"])
    editor = f"{server['base']}/blueprints/{server['blueprint']}/"
    packed = browser.get(editor, headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert packed.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "csrfmiddlewaretoken" in packed.text or "csrf" in packed.text.lower()
    plain = browser.get(editor, headers={"Accept-Encoding": "identity"}, timeout=30)
    assert "Content-Encoding" not in plain.headers
    login = requests.get(
        f"{server['base']}/accounts/login/", headers={"Accept-Encoding": "gzip"}, timeout=10
    )
    assert login.headers.get("Content-Encoding") == "gzip"
    # The CSRF token is masked afresh in every answer: no byte sequence to guess at.
    tokens = {
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(
            f"{server['base']}/accounts/login/", timeout=10).text).group(1)
        for _ in range(2)
    }  # fmt: skip
    assert len(tokens) == 2
    members = browser.get(
        f"{server['base']}/workspaces/{server['workspace']}/members/",
        headers={"Accept-Encoding": "gzip"},
        timeout=10,
    )
    assert members.status_code == 200 and "/invitations/" in members.text
    assert "Content-Encoding" not in members.headers


# The layout shifts of the page so far (their sum: CLS), after a moment for the live
# connection (the people here) and the board's script (the legend's swatches).
SHIFTS = """() => new Promise((resolve) => {
  const shifts = [];
  new PerformanceObserver((list) => shifts.push(...list.getEntries().map((e) => e.value)))
    .observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(shifts), 1500);
})"""


@pytest.mark.browser
def test_the_editor_does_not_shift_as_it_loads_on_a_phone(
    server: dict[str, Any], browser: Any
) -> None:
    session = signed_in(server["base"]).cookies["sessionid"]
    context = browser.new_context(viewport={"width": 412, "height": 823})
    try:
        context.add_cookies([{"name": "sessionid", "value": session, "url": server["base"]}])
        page = context.new_page()
        page.goto(f"{server['base']}/blueprints/{server['blueprint']}/")
        page.wait_for_selector("[data-connection][data-state=live]")
        page.wait_for_selector("[data-presence] li")
        shifts = page.evaluate(SHIFTS)
        assert sum(shifts) < 0.01, shifts
    finally:
        context.close()


@pytest.mark.browser
def test_pages_run_their_fingerprinted_modules_without_errors(
    server: dict[str, Any], browser: Any
) -> None:
    base, workspace = server["base"], server["workspace"]
    session = signed_in(base).cookies["sessionid"]
    api = token_client(base, "facilitator", "frontstage")
    workshops = api.get(f"{base}/api/v1/workshops/", timeout=10).json()["results"]
    paths = [
        "/",
        f"/blueprints/{server['blueprint']}/",
        f"/workspaces/{workspace}/personas/",
        f"/workspaces/{workspace}/innovation/",
        f"/workspaces/{workspace}/innovation/roadmap/",
        *(f"/workshops/{w['id']}/" for w in workshops[:1]),
    ]
    context = browser.new_context()
    try:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        for path in paths:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error, e=errors: e.append(str(error)))
            scripts: list[str] = []
            page.on(
                "response", lambda r, s=scripts: s.append(r.url) if r.url.endswith(".js") else None
            )
            page.goto(f"{base}{path}", wait_until="networkidle")
            assert scripts and all(HASHED.search(url) for url in scripts), (path, scripts)
            assert not errors, (path, errors)
            page.close()
    finally:
        context.close()
