"""Role groups were named ``site:<slug>:<role>``; a renamed slug orphaned them (a demoted
member kept the old group's grants). They are now ``site:<site id>:<role>``."""

from django.db import migrations


def rename_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Site = apps.get_model("sites", "Site")
    for site in Site.objects.all():
        for group in Group.objects.filter(name__startswith=f"site:{site.slug}:"):
            role = group.name.rsplit(":", 1)[1]
            group.name = f"site:{site.pk}:{role}"
            group.save(update_fields=["name"])


def restore_names(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Site = apps.get_model("sites", "Site")
    for site in Site.objects.all():
        for group in Group.objects.filter(name__startswith=f"site:{site.pk}:"):
            role = group.name.rsplit(":", 1)[1]
            group.name = f"site:{site.slug}:{role}"
            group.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0005_capabilities_for_every_role_decision"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(rename_groups, restore_names)]
