from django.urls import path

from urikake.web import my_views, views

app_name = "web"
urlpatterns = [
    path("", views.top, name="top"),
    # My page's documents (the dashboard itself is on applicants' /my/, via a template tag).
    path("my/statement/", my_views.statement, name="statement"),
    path("my/statement/pdf/", my_views.statement_pdf, name="statement_pdf"),
    path("my/statement/csv/", my_views.statement_csv, name="statement_csv"),
    path("my/quotes/<int:application_id>/pdf/", my_views.quote_pdf, name="quote_pdf"),
    path("my/quotes/<int:application_id>/csv/", my_views.quote_csv, name="quote_csv"),
    path("company/", views.company, name="company"),
    path("faq/", views.faq, name="faq"),
    path("contact/", views.contact, name="contact"),
    path("contact/sent/", views.contact_sent, name="contact_sent"),
]
