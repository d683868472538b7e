"""Forms of the entry screens. The data sheet and the review page read their many rows directly from
the POST (one field per row, named by the row's key); the services validate every value."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.numbers import parse_number
from entry.models import ReportingPeriod
from parks.models import Park


class ReviseForm(forms.Form):
    value = forms.CharField(label=_("新数值"), max_length=40, error_messages={"required": _("请填写新数值")})
    reason = forms.CharField(
        label=_("修订原因"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("修订已审核的数值必须说明原因")},
    )
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_value(self):
        text = self.cleaned_data["value"]
        try:
            return parse_number(text)
        except ValueError as exc:
            raise forms.ValidationError(_("“%(text)s”不是数字") % {"text": text}) from exc

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("修订已审核的数值必须说明原因"))
        return reason


class PeriodForm(forms.ModelForm):
    park = forms.ModelChoiceField(label=_("园区"), queryset=Park.objects.order_by("code"))

    class Meta:
        model = ReportingPeriod
        fields = ["park", "year", "deadline", "is_open"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}


class CommentaryForm(forms.Form):
    """进展说明, 原因分析, 下一步措施 of one value (the services check the texts)."""

    progress = forms.CharField(label=_("进展说明"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reasons = forms.CharField(
        label=_("原因分析"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("进度滞后的数值提交审核前必须填写"),
    )
    measures = forms.CharField(
        label=_("下一步措施"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
