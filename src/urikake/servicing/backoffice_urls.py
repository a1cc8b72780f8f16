"""Back-office pages for ageing, reminders, defaults and write-offs (at
/backoffice/treasury/overdue/ as before; names in the ``servicing_backoffice`` namespace)."""

from django.urls import path

from urikake.servicing import views

app_name = "servicing_backoffice"

urlpatterns = [
    path("", views.overdue_list, name="overdue"),
    path("ageing.csv", views.overdue_csv, name="overdue_csv"),
    path("<int:pk>/", views.overdue_detail, name="overdue_detail"),
    path("<int:pk>/default/", views.overdue_default, name="overdue_default"),
    path("<int:pk>/write-off/", views.overdue_write_off, name="overdue_write_off"),
    path(
        "<int:pk>/write-off/approve/",
        views.overdue_write_off_approve,
        name="overdue_write_off_approve",
    ),
    path(
        "<int:pk>/write-off/withdraw/",
        views.overdue_write_off_withdraw,
        name="overdue_write_off_withdraw",
    ),
]
