from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LeadAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "lead.admin_site.LeadAdminSite"


class LeadConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "lead"
    verbose_name = "LEAD"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from lead.auth import remember_mfa_enrolment

        authenticator_added.connect(remember_mfa_enrolment, dispatch_uid="lead_mfa_enrolment")
