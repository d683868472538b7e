"""ReportingPeriod now belongs to the entry app (state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0003_reportingperiod'),
        ('entry', '0001_initial'),
    ]

    operations = [
        # The table stays where it is (same name); only Django's state moves between apps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='ReportingPeriod',
                ),
            ],
        ),
    ]
