"""URLs of the archive, under /arkiv/, namespace `archive`."""

from django.urls import path

from archive.views import disposal, exports, records, requests

app_name = "archive"

urlpatterns = [
    path("", records.home, name="home"),
    path("sok/", records.search, name="search"),
    path("poster/<int:pk>/", records.record_detail, name="record_detail"),
    path(
        "poster/<int:pk>/diarienummer/",
        records.record_registration_number,
        name="record_registration_number",
    ),
    path(
        "poster/<int:pk>/sekretess/", records.record_confidentiality, name="record_confidentiality"
    ),
    path("poster/<int:pk>/gallringsstopp/", records.record_hold, name="record_hold"),
    path("gallringsstopp/", records.hold_list, name="hold_list"),
    path("gallringsstopp/kanal/", records.channel_hold, name="channel_hold"),
    path("gallringsstopp/<int:pk>/hav/", records.hold_release, name="hold_release"),
    path("verifiera/", records.verify, name="verify"),
    path("atkomstlogg/", records.access_log_list, name="access_log"),
    path("gallringsregler/", records.retention_rules, name="retention_rules"),
    path("begaran/", requests.request_list, name="request_list"),
    path("begaran/ny/", requests.request_create, name="request_create"),
    path("begaran/<int:pk>/", requests.request_detail, name="request_detail"),
    path("begaran/<int:pk>/poster/", requests.request_attach, name="request_attach"),
    path(
        "begaran/<int:pk>/poster/<int:record_id>/ta-bort/",
        requests.request_detach,
        name="request_detach",
    ),
    path("begaran/<int:pk>/maskering/", requests.request_mask, name="request_mask"),
    path(
        "begaran/<int:pk>/maskering/<int:mask_pk>/ta-bort/",
        requests.request_unmask,
        name="request_unmask",
    ),
    path("begaran/<int:pk>/kopia/<str:kind>/", requests.request_export, name="request_export"),
    path("begaran/<int:pk>/avsluta/", requests.request_close, name="request_close"),
    path("gallring/", disposal.disposal_list, name="disposal_list"),
    path("gallring/foresla/", disposal.disposal_propose, name="disposal_propose"),
    path("gallring/<int:pk>/", disposal.disposal_detail, name="disposal_detail"),
    path("gallring/<int:pk>/godkann/", disposal.disposal_approve, name="disposal_approve"),
    path("gallring/<int:pk>/verkstall/", disposal.disposal_execute, name="disposal_execute"),
    path("gallring/<int:pk>/avbryt/", disposal.disposal_cancel, name="disposal_cancel"),
    path("gallringslogg/", disposal.disposal_log, name="disposal_log"),
    path("export/", exports.export_list, name="export_list"),
    path("export/<int:pk>/", exports.export_detail, name="export_detail"),
    path("export/<int:pk>/hamta/", exports.export_download, name="export_download"),
]
