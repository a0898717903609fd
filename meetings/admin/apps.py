"""The admin app config that puts meetstream's admin site in place of Django's."""

from django.contrib.admin.apps import AdminConfig


class MeetstreamAdminConfig(AdminConfig):
    """Django's admin, with the site that also manages meetings."""

    default_site = "meetings.admin.sites.MeetstreamAdminSite"
