from django.contrib.admin.apps import AdminConfig


class MeetstreamAdminConfig(AdminConfig):
    """Django's admin, with the site that also manages meetings."""

    default_site = "meetings.admin.sites.MeetstreamAdminSite"
