"""The token routes under /v1/auth/: log in, refresh, log out."""

from django.urls import path

from .views import TokenLogoutView, TokenObtainPairView, TokenRefreshView

urlpatterns = [
    path("token", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("token/refresh", TokenRefreshView.as_view(), name="token_refresh"),
    path("logout", TokenLogoutView.as_view(), name="token_logout"),
]
