"""Each fact keeps the starts of the periods it counts in, so that a rebuild can group by them."""

from django.db import migrations, models

from waypoint.core.periods import PeriodKind, period_of

GRAIN_PERIODS = {
    "month": ("month", "quarter", "financial_year"),
    "quarter": ("quarter", "financial_year"),
    "financial_year": ("financial_year",),
}
COLUMNS = {"month": "month_start", "quarter": "quarter_start", "financial_year": "year_start"}


def fill_period_starts(apps, schema_editor):
    fact_model = apps.get_model("measures", "MeasureFact")
    changed = []
    for fact in fact_model.objects.order_by("pk").iterator(chunk_size=2000):
        for kind in GRAIN_PERIODS.get(fact.grain, ()):
            setattr(fact, COLUMNS[kind], period_of(fact.on, PeriodKind(kind)).start)
        changed.append(fact)
        if len(changed) >= 2000:
            fact_model.objects.bulk_update(changed, list(COLUMNS.values()))
            changed = []
    fact_model.objects.bulk_update(changed, list(COLUMNS.values()))


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_standard_measures"),
    ]

    operations = [
        migrations.AddField(
            model_name="measurefact",
            name="month_start",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="measurefact",
            name="quarter_start",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="measurefact",
            name="year_start",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(fill_period_starts, migrations.RunPython.noop),
    ]
