"""Forms of the plan set-up screens. The indicator and target grids read their rows from the POST."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NumberField
from indicators.models import Category, Indicator, Unit
from parks.models import Park
from parks.selectors import park_tree
from plans.models import Plan, PlanIndicator
from plans.setup import parse_milestones


class PlanForm(forms.Form):
    park = forms.ModelChoiceField(label=_("园区"), queryset=Park.objects.order_by("code"))
    code = forms.SlugField(
        label=_("规划代码"), max_length=64, help_text=_("英文小写、数字和连字符，如 wenshan-master-2023-2035")
    )
    name = forms.CharField(label=_("规划名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=Plan.Kind.choices)
    start_year = forms.IntegerField(label=_("起始年"), min_value=1949, max_value=2100)
    end_year = forms.IntegerField(label=_("终止年"), min_value=1949, max_value=2100)
    base_year = forms.IntegerField(label=_("基期年"), min_value=1949, max_value=2100)
    milestones = forms.CharField(
        label=_("目标节点"),
        required=False,
        help_text=_(
            "每个节点写“年份 名称”，用逗号分隔，如：2025 近期, 2030 中期, 2035 远期。终止年总是一个节点。"
        ),
    )
    source_document = forms.CharField(label=_("来源文件"), max_length=300, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_milestones(self):
        from core.errors import Invalid

        try:
            return parse_milestones(self.cleaned_data["milestones"])
        except Invalid as exc:
            raise forms.ValidationError(exc.message) from exc

    @staticmethod
    def initial_for(plan: Plan) -> dict:
        return {
            "park": plan.park_id,
            "code": plan.code,
            "name": plan.name,
            "kind": plan.kind,
            "start_year": plan.start_year,
            "end_year": plan.end_year,
            "base_year": plan.base_year,
            "milestones": ", ".join(f"{m.year} {m.label}".strip() for m in plan.milestones.all()),
            "source_document": plan.source_document,
            "note": plan.note,
        }


class AddIndicatorForm(forms.Form):
    """One row for a plan: a catalogue indicator, or a new one with its unit, direction, measure, nature."""

    SOURCE_CHOICES = [("catalogue", _("从指标库选择")), ("new", _("新建指标"))]

    source = forms.ChoiceField(
        label=_("指标来源"), choices=SOURCE_CHOICES, widget=forms.RadioSelect, initial="catalogue"
    )
    indicator = forms.ModelChoiceField(
        label=_("指标库中的指标"),
        queryset=Indicator.objects.select_related("unit").order_by("name_zh"),
        required=False,
    )
    name_printed = forms.CharField(
        label=_("指标名称（按原文）"),
        max_length=200,
        help_text=_("如：地区生产总值（亿元，含烟）；子指标以“——”开头"),
    )
    unit = forms.ModelChoiceField(label=_("单位（按原文）"), queryset=Unit.objects.all())
    category_printed = forms.CharField(label=_("类别（按原文）"), max_length=64, required=False)
    nature = forms.ChoiceField(label=_("属性"), choices=PlanIndicator.Nature.choices)
    zone = forms.ModelChoiceField(
        label=_("片区"), queryset=Park.objects.none(), required=False, help_text=_("留空表示规划所属园区")
    )
    # A new catalogue indicator
    new_name = forms.CharField(label=_("新指标名称（不含单位）"), max_length=200, required=False)
    direction = forms.TypedChoiceField(
        label=_("方向"), choices=Indicator.Direction.choices, coerce=int, required=False
    )
    measure = forms.ChoiceField(
        label=_("计量方式"), choices=[("", "—")] + list(Indicator.Measure.choices), required=False
    )
    category = forms.ModelChoiceField(label=_("指标库类别"), queryset=Category.objects.all(), required=False)
    yoy_warning_threshold = NumberField(
        label=_("同比变动提醒阈值"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=4,
        help_text=_("如 0.3 表示变动超过 30% 时提醒；留空用默认值"),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Park.objects.filter(pk__in=_descendants(plan.park_id)).order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("source") == "catalogue":
            if not data.get("indicator"):
                self.add_error("indicator", _("请选择指标库中的指标"))
        else:
            for name in ("new_name", "direction", "measure"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("新建指标时必须填写"))
        return data


def _descendants(park_id: int) -> list[int]:
    """The park's zones, their zones … (every level; not the park itself)."""
    return sorted(park_tree().descendants_and_self([park_id]) - {park_id})
