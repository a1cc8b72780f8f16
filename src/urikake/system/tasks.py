"""Background tasks of the system app."""

from django_tasks import task


@task()
def ping(message: str = "pong") -> str:
    """A no-op task: proves end to end that the queue and a worker run tasks."""
    return message
