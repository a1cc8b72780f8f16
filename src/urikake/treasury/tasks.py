"""Background tasks of the treasury."""

from django_tasks import task

from urikake.treasury.statement_jobs import run_job


@task()
def import_statement(job_id: int) -> str:
    """Import and reconcile a large collection statement (queued by the deposits page)."""
    return run_job(job_id).status
