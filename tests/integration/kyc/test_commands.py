"""`urikake ekyc_simulator`: the command `make run` starts, serving with the settings' key."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest
from django.conf import settings

from tests.integration.kyc.helpers import PNG
from urikake.integrations.ekyc.adapter import EkycVendorError, HttpEkycVendor


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_management_command_serves_with_the_settings_key(tmp_path: object) -> None:
    port = free_port()
    env = {**os.environ, "URIKAKE_VAR_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "urikake",
            "ekyc_simulator",
            "--port",
            str(port),
            "--auto-complete-after",
            "3",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    out = proc.stdout.read().decode() if proc.poll() is not None else ""  # type: ignore[union-attr]
                    pytest.fail(f"simulator did not start: {out}")
                time.sleep(0.1)
        args: dict[str, Any] = {
            "reference": "cmd-test",
            "callback_url": "http://127.0.0.1:1/hook",
            "full_name": "山田 太郎",
            "birth_date": date(1980, 4, 1),
            "document": PNG,
            "document_mime": "image/png",
        }
        check = HttpEkycVendor(base, settings.EKYC_API_KEY).start_check(**args)
        assert check.status == "pending"
        with pytest.raises(EkycVendorError):
            HttpEkycVendor(base, "not-the-key").start_check(**args)
        with urllib.request.urlopen(f"{base}/_simulator/checks", timeout=5) as response:
            assert [c["check_id"] for c in json.loads(response.read())["checks"]] == [
                check.check_id
            ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
