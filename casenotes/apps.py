from django.apps import AppConfig


class CasenotesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "casenotes"
    verbose_name = "Contact notes and tasks"
