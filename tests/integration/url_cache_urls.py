"""A URLconf of one route (tests/integration/test_url_cache.py)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("only-here/", lambda request: HttpResponse(), name="only_here")]
