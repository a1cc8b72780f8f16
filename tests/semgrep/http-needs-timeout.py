# Samples for .semgrep/http-needs-timeout.yml (semgrep --test).
import urllib.request

import httpx
import requests


def call(url):
    # ruleid: http-needs-timeout
    requests.get(url)
    # ruleid: http-needs-timeout
    httpx.post(url, json={})
    # ruleid: http-needs-timeout
    urllib.request.urlopen(url)
    # ok: http-needs-timeout
    requests.get(url, timeout=10)
    # ok: http-needs-timeout
    urllib.request.urlopen(url, timeout=10)
