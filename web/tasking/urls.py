"""Pages of web.tasking: the task board, a task's page and its steps, the team registry (decision 0050),
the priorities for tasking and issuing a task from them (decision 0054)."""

from django.urls import path

from web.tasking import views

app_name = "tasking"
urlpatterns = [
    path("tasks/", views.board, name="board"),
    path("tasks/monthly/", views.monthly_reporting, name="monthly"),
    path("tasks/issue/", views.issue_from_board, name="issue-board"),
    path("tasks/<int:pk>/", views.task_page, name="task"),
    path("tasks/<int:pk>/dossier.pdf", views.task_dossier, name="dossier"),
    path("tasks/<int:pk>/documents/", views.task_documents_upload, name="documents"),
    path("tasks/<int:pk>/documents/<str:name>", views.task_document_file, name="document"),
    path("tasks/<int:pk>/<str:step>/", views.task_step, name="step"),
    path("teams/", views.teams, name="teams"),
    path("priorities/", views.priorities_page, name="priorities"),
    path("priorities/issue/", views.issue_from_priorities, name="issue"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
