from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParksConfig(AppConfig):
    name = "parks"
    verbose_name = _("园区")

    def ready(self):
        _connect_token_cache()


def _connect_token_cache() -> None:
    """Keep the cached token lookups (parks.authentication) true: a token saved or deleted (revoked) is
    dropped; a change to a user, a group, their permissions, a role or a region scope drops them all."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from parks.authentication import forget_token
    from parks.grants_cache import forget_all_grants
    from parks.models import ApiToken, ParkRole, RegionScope

    def token_changed(sender, instance, raw=False, **kwargs):
        if not raw:
            forget_token(instance.digest)

    def user_changed(sender, raw=False, update_fields=None, **kwargs):
        if raw or (update_fields is not None and set(update_fields) <= {"last_login"}):
            return  # a sign-in stamps last_login: nothing a token's request depends on
        forget_all_grants()

    def grants_changed(sender, action=None, **kwargs):
        if action is None or action.startswith("post_"):
            forget_all_grants()

    User = get_user_model()
    uid = "parktrack-token-cache"
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(token_changed, sender=ApiToken, weak=False, dispatch_uid=f"{uid}-token-{name}")
        for model in (User, Group, ParkRole, RegionScope):
            signal.connect(
                user_changed, sender=model, weak=False, dispatch_uid=f"{uid}-{model._meta.label}-{name}"
            )
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            grants_changed, sender=through, weak=False, dispatch_uid=f"{uid}-{through._meta.label}"
        )
