"""ProgressResult and ProgressDirty now belong to the progress app (state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0004_progress_fingerprint'),
        ('progress', '0001_initial'),
    ]

    operations = [
        # The table stays where it is (same name); only Django's state moves between apps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='progressresult',
                    name='park',
                ),
                migrations.RemoveField(
                    model_name='progressresult',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='progressresult',
                    name='plan_indicator',
                ),
                migrations.DeleteModel(
                    name='ProgressDirty',
                ),
                migrations.DeleteModel(
                    name='ProgressResult',
                ),
            ],
        ),
    ]
