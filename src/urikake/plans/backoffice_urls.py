from django.urls import path

from urikake.plans import backoffice_views

app_name = "plans_backoffice"
urlpatterns = [
    path("", backoffice_views.plan_list, name="list"),
    path("new/", backoffice_views.plan_create, name="create"),
    path("<int:pk>/", backoffice_views.plan_detail, name="detail"),
    path("<int:pk>/edit/", backoffice_views.plan_edit, name="edit"),
    path("credit-lines/", backoffice_views.credit_lines, name="credit_lines"),
    path(
        "credit-lines/<int:pk>/adjust/",
        backoffice_views.adjust_credit_line,
        name="adjust_credit_line",
    ),
]
