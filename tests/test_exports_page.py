"""The blueprint page offers every export as a download, in the reader's language."""

import re

from lxml import html as lxml_html

from tests.conftest import World
from tests.test_pages import page_client


def export_links(content: bytes) -> dict[str, str]:
    page = lxml_html.fromstring(content)
    [paragraph] = page.xpath("//p[@data-exports]")
    return {link.text_content().strip(): link.get("href") for link in paragraph.iter("a")}


def test_the_page_offers_each_format_and_each_link_downloads_it(world: World) -> None:
    client = page_client(world, "manager")
    links = export_links(client.get(f"/blueprints/{world.a.blueprint.pk}/").content)
    assert set(links) >= {
        "Frontstage file (JSON)",
        "BPMN 2.0",
        "Customer journey (Mermaid)",
        "Steps (CSV)",
    }
    for label, href in links.items():
        response = client.get(href)
        assert response.status_code == 200, label
        assert response["Content-Disposition"].startswith("attachment;"), label


def test_the_downloads_speak_the_reader_s_language(world: World) -> None:
    client = page_client(world, "alice")
    page = client.get(f"/blueprints/{world.a.blueprint.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Para otras herramientas" in page.content.decode()
    links = export_links(page.content)
    assert "Recorrido del cliente (Mermaid)" in links
    bpmn = client.get(links["BPMN 2.0"]).content.decode()
    assert 'name="Cliente"' in bpmn
    assert re.search(r'name="Acciones invisibles \(backstage\)"', bpmn)
