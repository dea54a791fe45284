from django.db import migrations


def copy_items(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    EligibilityItem = apps.get_model("referrals", "EligibilityItem")
    for site in Site.objects.all():
        for position, text in enumerate(site.eligibility_items or []):
            EligibilityItem.objects.get_or_create(
                site=site, text=text, defaults={"position": position}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("sites", "0003_referral_settings_and_notifications"),
    ]

    operations = [migrations.RunPython(copy_items, migrations.RunPython.noop)]
