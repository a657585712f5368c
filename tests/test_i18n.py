"""Spanish, Italian and Brazilian Portuguese: complete catalogs, translated pages, the switcher.

The catalogs are read as the translators left them (locale/*/LC_MESSAGES/django.po) and
compared with what `makemessages` extracts from the source today, so a string added to a page
without its translations fails here. Pages are fetched as their users meet them: the language
comes from `Accept-Language`, or from the switcher's cookie once someone chose one.
"""

import datetime
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from blueprints.models import Blueprint, Step
from personas.models import ContactImport
from tests.conftest import World
from workshops import services as workshop_services
from workshops.models import Activity, Workshop
from workspaces.models import Team

ROOT = Path(settings.BASE_DIR)
LANGUAGES = {"es": "es", "it": "it", "pt-br": "pt_BR"}  # language code → catalog folder
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    plural: str = ""
    strings: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (msgid ""), obsolete ones left out."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~") or (not line and target is None):
            continue
        if not line:
            entries.append(entry)
            entry, target = Entry(), None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural"):
            entry.plural, target = _string(line), ("plural", 0)
        elif line.startswith("msgid"):
            entry.msgid, target = _string(line), ("msgid", 0)
        elif line.startswith("msgstr"):
            index = int(line[7]) if line.startswith("msgstr[") else 0
            entry.strings.append(_string(line))
            target = ("msgstr", index)
        elif line.startswith('"') and target is not None:
            kind, index = target
            if kind == "msgid":
                entry.msgid += _string(line)
            elif kind == "plural":
                entry.plural += _string(line)
            else:
                entry.strings[index] += _string(line)
    if target is not None:
        entries.append(entry)
    return entries


def _string(line: str) -> str:
    quoted = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(
        r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), quoted
    )


def catalog(folder: str) -> list[Entry]:
    return read_po(ROOT / "locale" / folder / "LC_MESSAGES" / "django.po")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The msgids `makemessages` finds in the source now, in a copy of the project."""
    copy = tmp_path_factory.mktemp("source")
    apps = [path.name for path in ROOT.iterdir() if (path / "apps.py").exists()]
    for name in [*apps, "frontstage", "templates", "static"]:
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    (copy / "locale" / "es" / "LC_MESSAGES").mkdir(parents=True)
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "SECRET_KEY": "only-for-makemessages"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    entries = read_po(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    return {entry.msgid for entry in entries if entry.msgid}


@pytest.mark.parametrize("folder", LANGUAGES.values())
def test_every_message_is_translated_and_none_is_fuzzy(folder: str, extracted: set[str]) -> None:
    entries = catalog(folder)
    header = next(entry for entry in entries if entry.msgid == "")
    assert "fuzzy" not in header.flags, f"{folder}: the header is still fuzzy"
    messages = {entry.msgid: entry for entry in entries if entry.msgid}
    missing = sorted(extracted - set(messages))
    assert not missing, f"{folder}: {len(missing)} messages missing, e.g. {missing[:5]}"
    fuzzy = sorted(msgid for msgid, entry in messages.items() if "fuzzy" in entry.flags)
    assert not fuzzy, f"{folder}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    empty = sorted(msgid for msgid, entry in messages.items() if not all(entry.strings))
    assert not empty, f"{folder}: {len(empty)} untranslated, e.g. {empty[:5]}"
    for msgid, entry in messages.items():
        wanted = set(PLACEHOLDER.findall(msgid + entry.plural))
        for translated in entry.strings:
            found = set(PLACEHOLDER.findall(translated))
            # A plural's "one" form may say the number in words ("un paso" for "%(n)s step").
            complete = found <= wanted if entry.plural else found == wanted
            assert complete, f"{folder}: placeholders differ in {msgid!r} → {translated!r}"


@pytest.mark.parametrize("folder", LANGUAGES.values())
def test_catalogs_compile_without_errors(folder: str) -> None:
    path = ROOT / "locale" / folder / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


class TextNodes(HTMLParser):
    """Every text node and every label-like attribute of a page, stripped."""

    ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-confirm"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: set[str] = set()
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.texts.add(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.add(" ".join(data.split()))


def texts_of(html: str) -> set[str]:
    parser = TextNodes()
    parser.feed(html)
    return parser.texts


def translatable(language: str) -> dict[str, str]:
    """English interface strings (no placeholders) whose translation differs from them."""
    strings = {}
    for entry in catalog(LANGUAGES[language]):
        if entry.msgid and not entry.plural and not PLACEHOLDER.search(entry.msgid):
            with translation.override(language):
                translated = translation.gettext(entry.msgid)
            if translated != entry.msgid and re.search(r"[A-Za-z]{3}", entry.msgid):
                strings[" ".join(entry.msgid.split())] = translated
    return strings


def main_pages(world: World) -> list[str]:
    workshop = workshop_services.workshop_create(
        workspace=world.workspace, template="blueprint", title="Kick-off"
    )
    pk = world.workspace.pk
    return [
        "/",
        f"/blueprints/{world.a.blueprint.pk}/",
        f"/blueprints/{world.glob.blueprint.pk}/",
        f"/workspaces/{pk}/merge/",
        f"/workspaces/{pk}/workshops/",
        f"/workshops/{workshop.pk}/",
        f"/join/{workshop.join_code}/",
        f"/workspaces/{pk}/personas/",
        f"/workspaces/{pk}/taxonomy/",
        f"/workspaces/{pk}/contacts/",
        f"/workspaces/{pk}/contacts/import/",
    ]


def fetch(client: Client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_speak_the_browsers_language(world: World, language: str) -> None:
    strings = translatable(language)
    client = Client()
    client.force_login(world.people["facilitator"])
    pages = main_pages(world)
    anonymous = Client()
    # What people typed is data, never translated: names, titles, the agenda as planned.
    data = {user.get_full_name() for user in world.people.values() if user} | set(world.people)
    data |= set(Blueprint.objects.values_list("title", flat=True))
    data |= set(Team.objects.values_list("name", flat=True))  # "Quality" is a team here
    data |= set(Workshop.objects.values_list("goal", flat=True))
    data |= set(Activity.objects.values_list("title", flat=True))
    checked = 0
    for client_, url in [(anonymous, "/accounts/login/")] + [(client, url) for url in pages]:
        english = texts_of(fetch(client_, url, "en"))
        html = fetch(client_, url, language)
        assert f'<html lang="{language}"' in html, url
        chrome = (english & set(strings)) - data
        assert chrome, f"{url}: no interface text found in English"
        texts = texts_of(html)
        left = sorted(text for text in chrome if text in texts and strings[text] not in texts)
        assert not left, f"{url} in {language} still says {left[:8]}"
        shown = [strings[text] for text in chrome if strings[text] in texts]
        assert len(shown) >= len(chrome) * 0.9, url
        checked += len(chrome)
    assert checked > 150


def test_the_switcher_remembers_the_choice_over_the_browsers_language(world: World) -> None:
    client = Client()
    client.force_login(world.people["facilitator"])
    answer = client.post("/i18n/setlang/", {"language": "it", "next": "/"})
    assert answer.status_code == 302
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "it" and int(cookie["max-age"]) >= 365 * 24 * 3600
    html = fetch(client, "/", "es")
    assert '<html lang="it"' in html
    with translation.override("it"):
        assert translation.gettext("Log out") in html


def test_what_people_wrote_is_never_translated(world: World) -> None:
    # A step titled like an interface word stays as written; the chrome around it is Spanish.
    Step.objects.filter(pk=world.a.step.pk).update(title="Pain point", description="Note")
    client = Client()
    client.force_login(world.people["facilitator"])
    html = fetch(client, f"/blueprints/{world.a.blueprint.pk}/", "es")
    assert ">Pain point<" in html
    with translation.override("es"):
        assert translation.gettext("Line of visibility") in html
        assert translation.gettext("Pain point") in html


def test_dates_and_numbers_follow_the_language(world: World) -> None:
    workshop = workshop_services.workshop_create(
        workspace=world.workspace, template="blueprint", title="Kick-off"
    )
    workshop.date = datetime.date(2026, 11, 23)
    workshop.save(update_fields=["date"])
    client = Client()
    client.force_login(world.people["facilitator"])
    pages = {
        language: fetch(client, f"/workspaces/{world.workspace.pk}/workshops/", language).lower()
        for language in ["en", "es", "it", "pt-br"]
    }
    assert "nov. 23, 2026" in pages["en"]
    assert "23 de noviembre de 2026" in pages["es"]
    assert "23 novembre 2026" in pages["it"]
    assert "23 de novembro de 2026" in pages["pt-br"]
    done = ContactImport.objects.create(
        workspace=world.workspace, file_name="crm.csv", rows_imported=316369, rows_total=316400
    )
    english = fetch(client, f"/contact-imports/{done.pk}/", "en")
    assert "316,369" in english and "316,400" in english
    # Spanish groups thousands with a no-break space (RAE); Italian and Portuguese with a dot.
    for language, number in [("es", "316\xa0369"), ("it", "316.369"), ("pt-br", "316.369")]:
        assert number in fetch(client, f"/contact-imports/{done.pk}/", language)


def test_api_errors_speak_the_language(world: World) -> None:
    step = world.a.step
    api = world.client("facilitator")
    answer = api.post(
        "/api/v1/links/",
        {"blueprint": world.a.blueprint.pk, "source": step.pk, "target": step.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert answer.status_code == 400
    with translation.override("es"):
        assert answer.json()["target"] == [translation.gettext("A step cannot link to itself.")]
    assert answer.json()["target"] != ["A step cannot link to itself."]
    missing = api.post("/api/v1/phases/", {}, format="json", HTTP_ACCEPT_LANGUAGE="it")
    assert missing.status_code == 400
    with translation.override("it"):
        required = translation.gettext("This field is required.")
    assert required != "This field is required."
    assert missing.json()["blueprint"] == [required]
