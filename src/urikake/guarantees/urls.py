"""Customer pages of 保証ファクタリング (/my/guarantees/)."""

from django.urls import path

from urikake.guarantees import views

app_name = "guarantees"
urlpatterns = [
    path("", views.my_list, name="list"),
    path("apply/", views.my_apply, name="apply"),
    path("<int:pk>/", views.my_detail, name="detail"),
    path("<int:pk>/contract.pdf", views.my_contract, name="contract"),
    path("<int:pk>/sign/", views.my_sign, name="sign"),
    path("<int:pk>/report/", views.my_report, name="report"),
    path("<int:pk>/settled/", views.my_settled, name="settled"),
    path("<int:pk>/claim/", views.my_claim, name="claim"),
]
