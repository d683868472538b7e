"""Forms more than one app's pages use."""

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("XLSX（规划原表格式，或“园区、指标、年份、数值、单位”长表格式）或 CSV"),
        error_messages={"required": _("请选择要上传的文件"), "empty": _("文件为空（0 字节）")},
    )


class NumberField(forms.DecimalField):
    """A decimal typed by a person, read by ``core.numbers.parse_number`` like at every other door
    ("1,234.5" and full-width digits are fine; "1_000" and other scripts' digits are not). Django's
    own DecimalField would accept what the rest of the product refuses."""

    def to_python(self, value):
        from core.numbers import parse_number

        if value in self.empty_values:
            return None
        try:
            return parse_number(str(value).strip())
        except ValueError:
            raise forms.ValidationError(_("“%(text)s”不是数字") % {"text": value}, code="invalid") from None
