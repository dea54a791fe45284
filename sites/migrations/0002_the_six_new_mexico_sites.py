from django.db import migrations

ELIGIBILITY = [
    "Aged 18 or older",
    "Lives in or spends most of their time in the county",
    "The behaviour that brought them to our attention is rooted in substance use, "
    "mental illness or extreme poverty",
    "Not currently on felony probation with a no-contact condition that LEAD would breach",
    "Willing to be contacted by a case manager (consent comes at intake)",
]

SITES = [
    ("San Juan", "san-juan", "San Juan County", 14),
    ("Taos", "taos", "Taos County", 14),
    ("Bernalillo", "bernalillo", "Bernalillo County", 30),
    ("Santa Fe", "santa-fe", "Santa Fe County", 14),
    ("Doña Ana", "dona-ana", "Doña Ana County", 7),
    ("Lea", "lea", "Lea County", 14),
]


def create_sites(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    for name, slug, county, deadline in SITES:
        Site.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "county": county,
                "state": "NM",
                "intake_deadline_days": deadline,
                "enabled_pathways": ["arrest_diversion", "social_contact", "community"],
                "eligibility_items": ELIGIBILITY,
                "inactivity_threshold_days": 30,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sites", "0001_initial")]

    operations = [migrations.RunPython(create_sites, migrations.RunPython.noop)]
