"""Parks (development zones), their zones (一区多园) and who may do what in them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class Park(models.Model):
    """A development zone. A zone (片区, 园中园) is a park whose ``parent`` is another park."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("国家级")
        PROVINCIAL = "provincial", _("省级")
        PREFECTURE = "prefecture", _("州/市级")
        COUNTY = "county", _("县级")

    class Kind(models.TextChoices):
        HIGH_TECH = "high_tech", _("高新区")
        ECONOMIC = "economic", _("经开区")
        INDUSTRIAL = "industrial", _("产业园区")
        OPENING_PILOT = "opening_pilot", _("开发开放试验区")
        CLUSTER = "cluster", _("产业集聚区")
        ZONE = "zone", _("片区")
        PARK_IN_PARK = "park_in_park", _("园中园")
        GROUP = "group", _("园区群")

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name_zh = models.CharField(_("中文名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    level = models.CharField(
        _("级别"),
        max_length=16,
        choices=Level.choices,
        blank=True,
        help_text=_("留空表示来源文件未说明级别"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    province = models.CharField(_("省"), max_length=32, blank=True)
    prefecture = models.CharField(_("州/市"), max_length=32, blank=True)
    county = models.CharField(_("县/区"), max_length=32, blank=True)
    planned_area_km2 = models.DecimalField(
        _("规划面积（平方公里）"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    administered_area_km2 = models.DecimalField(
        _("管辖面积（平方公里）"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    established_year = models.PositiveSmallIntegerField(_("设立年份"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="zones",
    )
    is_public = models.BooleanField(_("公开"), default=False, help_text=_("规划与进度可匿名查看"))
    # Four eyes: whoever entered or revised a value cannot approve it. A park with one person doing
    # both may be allowed to, by an administrator, and the history still shows who did what.
    allow_self_approval = models.BooleanField(
        _("允许本人审核本人填报的数值"),
        default=False,
        help_text=_("仅适用于只有一名工作人员的小园区；默认填报与审核必须由两人完成"),
    )
    is_synthetic = models.BooleanField(_("合成演示数据"), default=False)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_area_km2__isnull=True) | Q(planned_area_km2__gt=0),
                name="park_planned_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(established_year__isnull=True)
                | Q(established_year__gte=1949, established_year__lte=2100),
                name="park_established_year_range",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="park_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name_zh


class ParkRole(models.Model):
    """A user's role in one park: data entry (填报员), reviewer (审核员) or viewer."""

    class Role(models.TextChoices):
        ENTRY = "entry", _("填报员")
        REVIEWER = "reviewer", _("审核员")
        VIEWER = "viewer", _("查看者")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="park_roles")
    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("园区角色")
        verbose_name_plural = _("园区角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "park", "role"], name="park_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.park} · {self.get_role_display()}"


class RegionScope(models.Model):
    """An official who may view every park of a province, or of one prefecture in it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_scopes")
    province = models.CharField(_("省"), max_length=32)
    prefecture = models.CharField(_("州/市"), max_length=32, blank=True, help_text=_("留空表示全省"))

    class Meta:
        verbose_name = _("区域查看范围")
        verbose_name_plural = _("区域查看范围")
        constraints = [
            models.UniqueConstraint(fields=["user", "province", "prefecture"], name="region_scope_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.province}{self.prefecture}"


class ApiToken(AbstractAuthToken):
    """A REST API token (django-rest-knox's token, KNOX_TOKEN_MODEL): the database holds a SHA-512 hash of
    the secret (``digest``) and its first characters (``token_key``, to find and tell tokens apart),
    never the secret, which is shown once when the token is created (``manage.py api_token create``).
    Every token expires; a user may hold several, one per client (``name``); revoking deletes the row.

    The primary key is a plain number, not knox's digest, so admin links and logs never carry the hash.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True, editable=False)
    token_key = models.CharField(
        "令牌前缀",
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH,
        db_index=True,
        editable=False,
    )
    # knox reads a user's tokens as ``user.auth_token_set``.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="auth_token_set",
    )
    name = models.CharField("客户端", max_length=64, blank=True)
    created = models.DateTimeField("创建时间", auto_now_add=True)
    expiry = models.DateTimeField("到期时间")  # required: no token lives for ever

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["user", "created"]

    def __str__(self) -> str:
        return f"{self.user} · {self.name or '-'} · {self.token_key}…"
