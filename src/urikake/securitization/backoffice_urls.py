from django.urls import path

from urikake.securitization import backoffice_views as views

app_name = "securitization_backoffice"
urlpatterns = [
    path("", views.pool_list, name="list"),
    path("assumptions/", views.assumption_settings, name="assumptions"),
    path("<int:pk>/", views.pool_detail, name="detail"),
    path("<int:pk>/structure/", views.pool_structure, name="structure"),
    path("<int:pk>/sell/", views.pool_sell, name="sell"),
    path("<int:pk>/remit/", views.pool_remit, name="remit"),
    path("<int:pk>/price/", views.pool_price, name="price"),
    path("<int:pk>/export.csv", views.pool_csv, name="csv"),
    path("<int:pk>/export.xlsx", views.pool_xlsx, name="xlsx"),
    path("<int:pk>/report/<int:period>.pdf", views.investor_report, name="report"),
]
