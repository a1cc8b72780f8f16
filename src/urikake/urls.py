"""Top-level URL configuration: each app owns its own ``urls.py``."""

from django.contrib import admin
from django.urls import include, path

from urikake.api import api
from urikake.system import views as system_views

urlpatterns = [
    path("", include("urikake.web.urls")),
    path("healthz", system_views.healthz, name="healthz"),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
