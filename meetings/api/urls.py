"""The REST API's routes: /v1/meetings and /v1/meetings/{id}."""

from rest_framework.routers import SimpleRouter

from .views import MeetingViewSet

router = SimpleRouter(trailing_slash=False)
router.register("meetings", MeetingViewSet, basename="meeting")

urlpatterns = router.urls
