"""Background tasks of the receivables context."""

from django_tasks import task

from urikake.faults import checkpoint
from urikake.receivables.screening import run_screening


@task()
def screen_application(application_id: int) -> str:
    """Screen a submitted application (enqueued on commit by ``submit_application``)."""
    status = run_screening(application_id).status
    checkpoint("screening.after_commit")  # fault tests: killed before the result is stored
    return status
