"""Back-office pages for ageing, reminders, defaults and write-offs (included from
``backoffice_urls`` under ``overdue/``; names are in the ``treasury_backoffice`` namespace)."""

from django.urls import path

from urikake.treasury import overdue_views as views

urlpatterns = [
    path("", views.overdue_list, name="overdue"),
    path("ageing.csv", views.overdue_csv, name="overdue_csv"),
    path("<int:pk>/", views.overdue_detail, name="overdue_detail"),
    path("<int:pk>/default/", views.overdue_default, name="overdue_default"),
    path("<int:pk>/write-off/", views.overdue_write_off, name="overdue_write_off"),
]
