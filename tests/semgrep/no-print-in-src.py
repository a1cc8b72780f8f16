# Samples for .semgrep/no-print-in-src.yml (semgrep --test).
import logging

log = logging.getLogger(__name__)


def reconcile(count):
    # ruleid: no-print-in-src
    print("reconciled", count)
    # ok: no-print-in-src
    log.info("reconciled %d", count)
