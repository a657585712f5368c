"""A facilitator deletes a whole workspace, its CRM contacts included; a taxonomy node that
contacts use still cannot be deleted on its own."""

import datetime

from personas import services
from personas.models import Contact, ContactReason
from tests.conftest import World
from workspaces.models import Workspace


def contacts_filed_under(world: World, count: int) -> ContactReason:
    complaints = ContactReason.objects.create(workspace=world.workspace, name="Complaints")
    taste = ContactReason.objects.create(workspace=world.workspace, name="Taste", parent=complaints)
    Contact.objects.bulk_create(
        Contact(
            workspace=world.workspace,
            customer_id=f"C-{n}",
            contact_date=datetime.date(2024, 1, 1 + n % 28),
            category=complaints,
            subcategory=taste,
        )
        for n in range(count)
    )
    return complaints


def test_a_facilitator_deletes_a_workspace_with_its_contacts(world: World) -> None:
    contacts_filed_under(world, 50)
    answer = world.client("facilitator").delete(f"/api/v1/workspaces/{world.workspace.pk}/")
    assert answer.status_code == 204, answer.content
    assert not Workspace.objects.filter(pk=world.workspace.pk).exists()
    assert not Contact.objects.filter(workspace_id=world.workspace.pk).exists()
    assert not ContactReason.objects.filter(workspace_id=world.workspace.pk).exists()


def test_a_node_contacts_use_is_still_refused_on_its_own(world: World) -> None:
    complaints = contacts_filed_under(world, 3)
    answer = world.client("facilitator").delete(f"/api/v1/contact-reasons/{complaints.pk}/")
    assert answer.status_code == 409
    assert answer.json()["detail"] == str(services.IN_USE)
    assert Contact.objects.filter(category=complaints).count() == 3
