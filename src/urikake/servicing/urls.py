"""Applicant-facing pages of the treasury app (/my/treasury/)."""

from django.urls import path

from urikake.servicing import views as overdue_views

# The applicant's pages keep their URLs and names (my/treasury/, "treasury:list").
app_name = "treasury"
urlpatterns = [
    path("", overdue_views.my_list, name="list"),
    path("<int:pk>/", overdue_views.my_detail, name="detail"),
]
