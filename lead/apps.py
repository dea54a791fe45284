from django.apps import AppConfig


class LeadConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lead"
    verbose_name = "LEAD"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from lead.auth import remember_mfa_enrolment

        authenticator_added.connect(remember_mfa_enrolment, dispatch_uid="lead_mfa_enrolment")
