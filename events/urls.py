"""The live stream's URLs: the only place they are written.

config/urls.py mounts them at the root, and events/handler.py resolves a
request's path against this module to send streams past the middleware.
"""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "v1/meetings/<str:meeting_id>/events",
        views.meeting_events,
        name="meeting-events",
    ),
    path("v1/events", views.multi_events, name="events"),
]
