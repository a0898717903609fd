"""The pages' routes: the meeting list, detail and forms."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("meetings/new", views.meeting_create, name="create"),
    path("meetings/<uuid:meeting_id>", views.meeting_detail, name="detail"),
    path("meetings/<uuid:meeting_id>/edit", views.meeting_edit, name="edit"),
    path("meetings/<uuid:meeting_id>/delete", views.meeting_delete, name="delete"),
]
