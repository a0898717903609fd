from django.urls import path

from . import views

urlpatterns = [
    path(
        "meetings/<str:meeting_id>/events", views.meeting_events, name="meeting-events"
    ),
    path("events", views.multi_events, name="events"),
]
