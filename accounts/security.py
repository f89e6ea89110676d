"""Who changed an account's team or owner goes into the security log (kam.core.security_log).

Receivers on the rows themselves, so every door (the account page, admin, an import, a
handover that takes the new owner off the team) is recorded, in the transaction of the change.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from kam.core import security_log
from kam.core.models import SecurityEventKind, User

from .models import Account, AccountTeamMember


def _user(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id else None


@receiver(post_save, sender=AccountTeamMember)
def _team_member_added(sender, instance: AccountTeamMember, created, raw=False, **kwargs):
    if created and not raw:
        _team_changed(instance, added=True)


@receiver(post_delete, sender=AccountTeamMember)
def _team_member_removed(sender, instance: AccountTeamMember, origin=None, **kwargs):
    if isinstance(origin, User):
        # The user themself is being deleted: an event naming them could not be kept.
        return
    _team_changed(instance, added=False)


def _team_changed(row: AccountTeamMember, *, added: bool) -> None:
    account = Account.objects.filter(pk=row.account_id).values_list("name", flat=True).first()
    member = _user(row.user_id)
    security_log.record(
        SecurityEventKind.TEAM_CHANGED,
        subject=member,
        account_id=row.account_id,
        added=added,
        member=str(member or ""),
        role=row.role,
        account=account or "",
    )


@receiver(pre_save, sender=Account)
def _owner_changed(sender, instance: Account, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "owner" not in update_fields:
        return
    before = Account.objects.filter(pk=instance.pk).values_list("owner_id", flat=True).first()
    if before is None or before == instance.owner_id:
        return
    new_owner = _user(instance.owner_id)
    security_log.record(
        SecurityEventKind.OWNER_CHANGED,
        subject=new_owner,
        account_id=instance.pk,
        account=instance.name,
        old=str(_user(before) or ""),
        new=str(new_owner or ""),
    )
