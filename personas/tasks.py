"""Background work of the personas app (Django's tasks framework; see settings.TASKS)."""

from django.tasks import task

from personas import services


@task
def run_contact_import(contact_import_id: int) -> None:
    services.contact_import_run(contact_import_id=contact_import_id)


@task
def run_segmentation(segmentation_id: int) -> None:
    services.segmentation_run(segmentation_id=segmentation_id)
