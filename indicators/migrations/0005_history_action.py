"""History records say what happened as data (action, text); legacy reasons are read once, here."""

from django.db import migrations, models


PREFIXES = [("return: ", "return"), ("revise: ", "revise"), ("import ", "import"), ("上传 ", "upload")]
PLAIN = {"draft", "submit", "approve", "discard", "seed"}


def split_reasons(apps, schema_editor):
    """The reasons written before these fields existed ("return: 请核实", "上传 a.xlsx", …), read once."""
    History = apps.get_model("indicators", "HistoricalObservation")
    for record in History.objects.exclude(history_change_reason__isnull=True).exclude(history_change_reason=""):
        reason = record.history_change_reason
        action, text = "", reason
        for prefix, name in PREFIXES:
            if reason.startswith(prefix):
                action, text = name, reason[len(prefix):]
                break
        else:
            if reason in PLAIN:
                action, text = reason, ""
            elif reason == "demo_data":
                action, text = "demo", ""
        History.objects.filter(pk=record.pk).update(history_action=action, history_text=text)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0004_reportingperiod_moved'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalobservation',
            name='history_action',
            field=models.CharField(blank=True, choices=[('draft', '保存草稿'), ('submit', '提交审核'), ('approve', '审核通过'), ('return', '退回'), ('revise', '修订（重新送审）'), ('discard', '清除草稿'), ('upload', '上传文件'), ('import', '命令导入'), ('admin', '后台修改'), ('seed', '载入种子数据'), ('demo', '合成演示数据')], max_length=16, verbose_name='操作'),
        ),
        migrations.AddField(
            model_name='historicalobservation',
            name='history_text',
            field=models.TextField(blank=True, verbose_name='说明'),
        ),
        migrations.AlterField(
            model_name='historicalobservation',
            name='history_change_reason',
            field=models.TextField(null=True),
        ),
        migrations.RunPython(split_reasons, migrations.RunPython.noop),
    ]
