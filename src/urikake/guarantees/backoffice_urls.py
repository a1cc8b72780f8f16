"""Back-office pages of 保証ファクタリング (/backoffice/guarantees/)."""

from django.urls import path

from urikake.guarantees import views

app_name = "guarantees_backoffice"
urlpatterns = [
    path("", views.bo_list, name="list"),
    path("run/", views.bo_run, name="run"),
    path("<int:pk>/", views.bo_detail, name="detail"),
    path("<int:pk>/contract.pdf", views.bo_contract, name="contract"),
    path("<int:pk>/decide/", views.bo_decide, name="decide"),
    path("<int:pk>/premium/", views.bo_premium, name="premium"),
    path("debtors/<int:identity>/limit/", views.bo_limit, name="limit"),
    path("claims/<int:claim>/evidence/", views.bo_evidence, name="evidence"),
    path("claims/<int:claim>/pay/", views.bo_pay, name="pay"),
    path("claims/<int:claim>/reject/", views.bo_reject, name="reject"),
    path("claims/<int:claim>/recovery/", views.bo_recovery, name="recovery"),
    path("claims/<int:claim>/write-off/", views.bo_write_off, name="write_off"),
]
