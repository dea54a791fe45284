from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "participants"
    verbose_name = "Participants"

    def ready(self) -> None:
        from participants import receivers
        from sites.signals import membership_changed, membership_ended

        membership_ended.connect(receivers.on_membership_ended, weak=False)
        membership_changed.connect(receivers.on_membership_changed, weak=False)
