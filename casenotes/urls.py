from django.urls import path

from casenotes import views

app_name = "casenotes"

urlpatterns = [
    path("participants/<uuid:participant_uuid>/contacts/new/", views.contact_new, name="new"),
    path(
        "participants/<uuid:participant_uuid>/contacts/<uuid:contact_uuid>/edit/",
        views.contact_edit,
        name="edit",
    ),
    path(
        "participants/<uuid:participant_uuid>/contacts/<uuid:contact_uuid>/addenda/",
        views.addendum_add,
        name="addendum",
    ),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<uuid:task_uuid>/done/", views.task_done, name="task_done"),
]
