from django.urls import path

from urikake.receivables import views

app_name = "receivables"
urlpatterns = [
    path("statements/", views.statements, name="statements"),
    path("debtors/", views.debtors, name="debtors"),
]
