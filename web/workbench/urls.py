"""Pages of web.workbench: report forms and the approval workbench."""

from django.urls import path

from web.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/<str:kind>/", views.report_new, name="new"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attach"),
    path("<int:pk>/attachments/<str:name>", views.attachment_file, name="attachment"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/unapprove/", views.unapprove, name="unapprove"),
]
