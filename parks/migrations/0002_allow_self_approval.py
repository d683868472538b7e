
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('parks', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='park',
            name='allow_self_approval',
            field=models.BooleanField(default=False, help_text='仅适用于只有一名工作人员的小园区；默认填报与审核必须由两人完成', verbose_name='允许本人审核本人填报的数值'),
        ),
    ]
