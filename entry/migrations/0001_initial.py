"""ReportingPeriod moves here from indicators; its table keeps its name."""

import django.db.models.deletion
from django.db import migrations, models


MODELS = ['reportingperiod']


def move_content_types(apps, schema_editor):
    """Keep permissions and admin history attached: the content types follow the models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label='entry', model=model).exists():
            ContentType.objects.filter(app_label='indicators', model=model).update(app_label='entry')


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label='indicators', model=model).exists():
            ContentType.objects.filter(app_label='entry', model=model).update(app_label='indicators')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('parks', '0001_initial'),
        ('indicators', '0003_reportingperiod'),
    ]

    operations = [
        # The table stays where it is (same name); only Django's state moves between apps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReportingPeriod',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='年份')),
                        ('deadline', models.DateField(verbose_name='填报截止日期')),
                        ('is_open', models.BooleanField(default=True, verbose_name='开放填报')),
                        ('entry_reminded_on', models.DateField(blank=True, editable=False, null=True, verbose_name='最近一次提醒填报日期')),
                        ('review_reminded_on', models.DateField(blank=True, editable=False, null=True, verbose_name='最近一次提醒审核日期')),
                        ('park', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reporting_periods', to='parks.park')),
                    ],
                    options={
                        'verbose_name': '填报期',
                        'verbose_name_plural': '填报期',
                        'db_table': 'indicators_reportingperiod',
                        'ordering': ['-year', 'park'],
                        'constraints': [models.UniqueConstraint(fields=('park', 'year'), name='reporting_period_unique_park_year'), models.CheckConstraint(condition=models.Q(('year__gte', 1949), ('year__lte', 2100)), name='reporting_period_year_range')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
