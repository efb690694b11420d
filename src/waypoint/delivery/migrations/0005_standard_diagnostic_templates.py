"""Load the standard diagnostic templates (delivery/diagnostic_templates/*.json) into a new
database. Files added later are loaded by ``waypoint load_diagnostic_templates``."""

from django.db import migrations


def load(apps, schema_editor):
    from waypoint.delivery.services.diagnostics import load_standard_templates

    load_standard_templates(apps.get_model("delivery", "DiagnosticTemplate"))


class Migration(migrations.Migration):
    dependencies = [("delivery", "0004_diagnostics_mentoring")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
