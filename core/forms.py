"""Forms more than one app's pages use."""

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("XLSX（规划原表格式，或“园区、指标、年份、数值、单位”长表格式）或 CSV"),
        error_messages={"required": _("请选择要上传的文件"), "empty": _("文件为空（0 字节）")},
    )
