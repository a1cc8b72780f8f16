# Samples for .semgrep/no-debug-true.yml (semgrep --test).
import os

from django.test import override_settings

# ruleid: no-debug-true
DEBUG = True
# ok: no-debug-true
DEBUG = os.environ.get("DEBUG") == "1"


# ruleid: no-debug-true
@override_settings(DEBUG=True)
def test_something():
    pass
