"""Background tasks of the receivables context."""

from django_tasks import task

from urikake.receivables.screening import run_screening


@task()
def screen_application(application_id: int) -> str:
    """Screen a submitted application (enqueued on commit by ``submit_application``)."""
    return run_screening(application_id).status
