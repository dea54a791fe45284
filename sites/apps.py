from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SitesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sites"
    label = "sites"
    verbose_name = "Sites"

    def ready(self) -> None:
        from sites.services import role_groups_sync_all

        # Capabilities live in code (sites.roles); after each migrate the role groups' guardian
        # grants are brought in line with them, so a changed role takes effect on deploy.
        post_migrate.connect(
            lambda sender, **kwargs: role_groups_sync_all(), sender=self, weak=False
        )
