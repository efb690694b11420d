"""Load the standard measure library (measures/standard_measures.json) into a new database.
Changes to the file later are loaded by ``waypoint rollups load-library``."""

from django.db import migrations


def load(apps, schema_editor):
    from waypoint.measures.library import load_standard_measures

    load_standard_measures(apps.get_model("measures", "Measure"))


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
