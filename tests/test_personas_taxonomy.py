"""The contact-reason taxonomy over HTTP: access, tree rules, merge, the demo seed."""

from datetime import date

import pytest

from personas import services
from personas.models import Contact, ContactReason
from tests.conftest import PEOPLE, World

URL = "/api/v1/contact-reasons/"
MEMBERS = {"facilitator", "alice", "bob", "manager"}


def node(world: World, name: str, parent: ContactReason | None = None, **fields) -> ContactReason:
    return ContactReason.objects.create(
        workspace=world.workspace, parent=parent, name=name, **fields
    )


def contact(world: World, category: ContactReason, subcategory: ContactReason | None) -> Contact:
    return Contact.objects.create(
        workspace=world.workspace,
        customer_id="C1",
        contact_date=date(2024, 3, 5),
        category=category,
        subcategory=subcategory,
    )


@pytest.fixture
def complaints(world: World) -> ContactReason:
    return node(world, "Complaints")


def expected_for_writes(who: str) -> int:
    return {"facilitator": 200, "anonymous": 401, "outsider": 404}.get(who, 403)


@pytest.mark.parametrize("who", PEOPLE)
def test_members_read_the_taxonomy(world: World, complaints: ContactReason, who: str) -> None:
    response = world.client(who).get(URL, {"workspace": world.workspace.pk})
    if who == "anonymous":
        assert response.status_code == 401
        return
    ids = {row["id"] for row in response.json()["results"]}
    assert (complaints.pk in ids) == (who in MEMBERS)
    detail = world.client(who).get(f"{URL}{complaints.pk}/")
    assert detail.status_code == (200 if who in MEMBERS else 404 if who == "outsider" else 401)


@pytest.mark.parametrize("who", PEOPLE)
def test_only_facilitators_create(world: World, who: str) -> None:
    payload = {"workspace": world.workspace.pk, "name": "Complaints"}
    response = world.client(who).post(URL, payload, format="json")
    # An outsider names a workspace it cannot see: bad input, as everywhere in the API.
    expected = {"facilitator": 201, "anonymous": 401, "outsider": 400}.get(who, 403)
    assert response.status_code == expected
    assert ContactReason.objects.filter(name="Complaints").exists() == (who == "facilitator")
    if who == "facilitator":
        assert response.json()["source"] == "manual"
        assert response.json()["reviewed"] is True


@pytest.mark.parametrize("who", PEOPLE)
def test_only_facilitators_update(world: World, complaints: ContactReason, who: str) -> None:
    response = world.client(who).patch(f"{URL}{complaints.pk}/", {"name": "Claims"})
    assert response.status_code == expected_for_writes(who)
    complaints.refresh_from_db()
    assert (complaints.name == "Claims") == (who == "facilitator")


@pytest.mark.parametrize("who", PEOPLE)
def test_only_facilitators_delete(world: World, complaints: ContactReason, who: str) -> None:
    response = world.client(who).delete(f"{URL}{complaints.pk}/")
    assert response.status_code == (204 if who == "facilitator" else expected_for_writes(who))
    assert ContactReason.objects.filter(pk=complaints.pk).exists() == (who != "facilitator")


def test_a_subcategory_hangs_under_a_category_only(world: World, complaints: ContactReason) -> None:
    api = world.client("facilitator")
    packaging = api.post(
        URL, {"workspace": world.workspace.pk, "parent": complaints.pk, "name": "Packaging"}
    )
    assert packaging.status_code == 201
    deeper = api.post(
        URL, {"workspace": world.workspace.pk, "parent": packaging.json()["id"], "name": "Cap"}
    )
    assert deeper.status_code == 400
    assert "parent" in deeper.json()
    again = api.post(
        URL, {"workspace": world.workspace.pk, "parent": complaints.pk, "name": " packaging "}
    )
    assert again.status_code == 400
    assert again.json()["name"] == ["There is already a node with this name here."]
    listed = api.get(URL, {"parent": complaints.pk}).json()["results"]
    assert [row["name"] for row in listed] == ["Packaging"]


def test_a_category_with_subcategories_cannot_move_under_another(world: World) -> None:
    complaints, feedback = node(world, "Complaints"), node(world, "Feedback")
    node(world, "Packaging", complaints)
    response = world.client("facilitator").patch(f"{URL}{complaints.pk}/", {"parent": feedback.pk})
    assert response.status_code == 400
    assert ContactReason.objects.get(pk=complaints.pk).parent is None


def test_a_parent_of_another_workspace_is_bad_input(world: World) -> None:
    other = ContactReason.objects.create(
        workspace=world.people["outsider"].memberships.get().workspace, name="Theirs"
    )
    response = world.client("facilitator").post(
        URL, {"workspace": world.workspace.pk, "parent": other.pk, "name": "Mine"}
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_deleting_a_node_in_use_answers_409(world: World, complaints: ContactReason) -> None:
    contact(world, complaints, None)
    response = world.client("facilitator").delete(f"{URL}{complaints.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"] == services.IN_USE
    assert ContactReason.objects.filter(pk=complaints.pk).exists()


def test_merging_an_unreviewed_subcategory_moves_its_contacts(world: World) -> None:
    complaints, quality = node(world, "Complaints"), node(world, "Product quality")
    flat = node(world, "Flat drink", quality)
    imported = node(world, "Reclamación", reviewed=False, source="import")
    raw_flat = node(world, "Sin gas", imported, reviewed=False, source="import")
    one, two = contact(world, imported, raw_flat), contact(world, imported, None)

    api = world.client("facilitator")
    response = api.post(f"{URL}{raw_flat.pk}/merge/", {"into": flat.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["aliases"] == ["Sin gas"]
    one.refresh_from_db()
    assert (one.category_id, one.subcategory_id) == (quality.pk, flat.pk)

    response = api.post(f"{URL}{imported.pk}/merge/", {"into": complaints.pk})
    assert response.status_code == 200
    assert not ContactReason.objects.filter(pk__in=[imported.pk, raw_flat.pk]).exists()
    two.refresh_from_db()
    assert two.category_id == complaints.pk
    assert ContactReason.objects.get(pk=complaints.pk).aliases == ["Reclamación"]


def test_merging_a_category_moves_its_subcategories(world: World) -> None:
    complaints, claims = node(world, "Complaints"), node(world, "Claims")
    packaging, taste = node(world, "Packaging", complaints), node(world, "Taste", claims)
    packaging_twin = node(world, "packaging", claims)
    moved = contact(world, claims, packaging_twin)
    response = world.client("facilitator").post(f"{URL}{claims.pk}/merge/", {"into": complaints.pk})
    assert response.status_code == 200
    taste.refresh_from_db()
    moved.refresh_from_db()
    assert taste.parent_id == complaints.pk
    assert (moved.category_id, moved.subcategory_id) == (complaints.pk, packaging.pk)
    assert set(complaints.children.values_list("name", flat=True)) == {"Packaging", "Taste"}


@pytest.mark.parametrize(
    "case, message",
    [
        ("itself", services.MERGE_INTO_ITSELF),
        ("own child", services.MERGE_INTO_OWN_CHILD),
        ("category into subcategory", services.MERGE_CATEGORY_INTO_SUBCATEGORY),
    ],
)
def test_impossible_merges_are_bad_input(world: World, case: str, message: str) -> None:
    complaints, feedback = node(world, "Complaints"), node(world, "Feedback")
    child, other_child = node(world, "Packaging", complaints), node(world, "Idea", feedback)
    target = {"itself": complaints, "own child": child, "category into subcategory": other_child}
    response = world.client("facilitator").post(
        f"{URL}{complaints.pk}/merge/", {"into": target[case].pk}
    )
    assert response.status_code == 400
    assert response.json() == {"into": [message]}
    assert ContactReason.objects.filter(pk=complaints.pk).exists()


def test_merging_into_a_node_of_another_workspace_is_bad_input(world: World) -> None:
    mine = node(world, "Complaints")
    theirs = ContactReason.objects.create(
        workspace=world.people["outsider"].memberships.get().workspace, name="Theirs"
    )
    response = world.client("facilitator").post(f"{URL}{mine.pk}/merge/", {"into": theirs.pk})
    assert response.status_code == 400
    assert "into" in response.json()


@pytest.mark.parametrize("who", PEOPLE)
def test_only_facilitators_merge(world: World, who: str) -> None:
    source, into = node(world, "Claims"), node(world, "Complaints")
    response = world.client(who).post(f"{URL}{source.pk}/merge/", {"into": into.pk})
    assert response.status_code == expected_for_writes(who)
    assert ContactReason.objects.filter(pk=source.pk).exists() == (who != "facilitator")


def test_the_demo_taxonomy_seeds_once_and_keeps_merges(world: World) -> None:
    assert services.taxonomy_seed(workspace=world.workspace) > 20
    categories = ContactReason.objects.filter(workspace=world.workspace, parent=None)
    assert set(categories.values_list("name", flat=True)) == {
        "Complaints", "Information requests", "Feedback", "Promotions", "E-commerce", "Other",
    }  # fmt: skip
    complaints = categories.get(name="Complaints")
    assert {"Foreign body", "Taste or smell", "Packaging"} <= set(
        complaints.children.values_list("name", flat=True)
    )
    taste = complaints.children.get(name="Taste or smell")
    services.contact_reason_merge(
        source=taste, into=complaints.children.get(name="Product quality")
    )
    assert services.taxonomy_seed(workspace=world.workspace) == 0
    assert not complaints.children.filter(name="Taste or smell").exists()
