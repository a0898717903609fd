from rest_framework.routers import SimpleRouter

from .views import MeetingViewSet

router = SimpleRouter(trailing_slash=False)
router.register("meetings", MeetingViewSet, basename="meeting")

urlpatterns = router.urls
