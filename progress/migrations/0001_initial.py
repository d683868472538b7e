"""ProgressResult and ProgressDirty move here from plans; their tables keep their names."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


MODELS = ['progressresult', 'progressdirty']


def move_content_types(apps, schema_editor):
    """Keep permissions and admin history attached: the content types follow the models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label='progress', model=model).exists():
            ContentType.objects.filter(app_label='plans', model=model).update(app_label='progress')


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label='plans', model=model).exists():
            ContentType.objects.filter(app_label='progress', model=model).update(app_label='plans')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('parks', '0001_initial'),
        ('plans', '0004_progress_fingerprint'),
    ]

    operations = [
        # The table stays where it is (same name); only Django's state moves between apps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ProgressDirty',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('requested_at', models.DateTimeField(verbose_name='请求时间')),
                        ('park', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='parks.park')),
                    ],
                    options={
                        'verbose_name': '待重算园区',
                        'verbose_name_plural': '待重算园区',
                        'db_table': 'plans_progressdirty',
                    },
                ),
                migrations.CreateModel(
                    name='ProgressResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='年份')),
                        ('actual', models.FloatField(null=True, verbose_name='实际值')),
                        ('base_value', models.FloatField(null=True, verbose_name='基期值')),
                        ('target_year', models.FloatField(null=True, verbose_name='当年目标')),
                        ('target_final', models.FloatField(null=True, verbose_name='节点目标')),
                        ('final_year', models.PositiveSmallIntegerField(null=True, verbose_name='目标节点年份')),
                        ('target_kind_final', models.CharField(blank=True, max_length=16, verbose_name='节点目标类型')),
                        ('compared_actual', models.FloatField(null=True, verbose_name='比较值')),
                        ('completion_rate', models.FloatField(null=True, verbose_name='完成率')),
                        ('gap_year', models.FloatField(null=True, verbose_name='与当年目标差距')),
                        ('gap_year_pct', models.FloatField(null=True, verbose_name='与当年目标差距（%）')),
                        ('gap_final', models.FloatField(null=True, verbose_name='与节点目标差距')),
                        ('gap_final_pct', models.FloatField(null=True, verbose_name='与节点目标差距（%）')),
                        ('yoy_growth', models.FloatField(null=True, verbose_name='同比增长')),
                        ('cagr_actual', models.FloatField(null=True, verbose_name='实际年均增长')),
                        ('cagr_required', models.FloatField(null=True, verbose_name='规划要求年均增长')),
                        ('cagr_remaining', models.FloatField(null=True, verbose_name='剩余年份所需年均增长')),
                        ('projected_final', models.FloatField(null=True, verbose_name='按现速度预计节点值')),
                        ('pace', models.FloatField(null=True, verbose_name='速度比')),
                        ('task_progress', models.FloatField(null=True, verbose_name='任务进度')),
                        ('expected_progress', models.FloatField(null=True, verbose_name='应达进度')),
                        ('progress_index', models.FloatField(null=True, verbose_name='进度指数')),
                        ('mode', models.CharField(blank=True, choices=[('index', '进度指数'), ('completion', '完成率')], max_length=16, verbose_name='判定方式')),
                        ('status', models.CharField(choices=[('achieved', '已完成'), ('ahead', '超前'), ('on_track', '符合预期'), ('lagging', '滞后'), ('severely_lagging', '严重滞后'), ('regressing', '倒退'), ('no_target', '无目标'), ('insufficient_data', '数据不足')], max_length=20, verbose_name='状态')),
                        ('trend', models.CharField(blank=True, max_length=32, verbose_name='趋势')),
                        ('note', models.TextField(blank=True, verbose_name='说明')),
                        ('fingerprint', models.BigIntegerField(editable=False, null=True, verbose_name='指纹')),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='更新时间')),
                        ('park', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='parks.park')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress_results', to='plans.plan')),
                        ('plan_indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress_results', to='plans.planindicator')),
                    ],
                    options={
                        'verbose_name': '进度结果',
                        'verbose_name_plural': '进度结果',
                        'db_table': 'plans_progressresult',
                        'ordering': ['plan', 'plan_indicator__order', 'year'],
                        'indexes': [models.Index(fields=['park', 'plan', 'year'], name='progress_park_plan_year')],
                        'constraints': [models.UniqueConstraint(fields=('park', 'plan', 'plan_indicator', 'year'), name='progress_result_unique_key')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
