"""``/samples/…``: the demo's sample files, linked from the pages where they are used."""

from django.urls import path

from urikake.system import sample_files, views

app_name = "samples"
urlpatterns = [
    *(
        path(name, views.sample, {"name": name}, name=name.replace(".", "_").replace("-", "_"))
        for name in sample_files.APPLICANT_FILES
    ),
    *(
        path(
            f"backoffice/{name}",
            views.backoffice_sample,
            {"name": name},
            name=name.replace(".", "_").replace("-", "_"),
        )
        for name in sample_files.BACKOFFICE_FILES
    ),
]
