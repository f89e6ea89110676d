"""Who may do what to an account and everything under it: decided here, once.

Pages, services, Django admin and the API all ask this module; docs/rights.md has the table
in words. Reading follows `visible_to` (everyone here can read what they can see; another
rep gets 404 before any right is asked). Writing:

| action                                                        | owner | team  | manager | admin |
|---------------------------------------------------------------|-------|-------|---------|-------|
| EDIT: account details, plan content, items, people, meetings  | yes   | yes   | yes     | yes   |
| DELETE an item (need, goal, KPI, action, competitor, meeting,  | yes   | their | yes     | yes   |
|   opportunity, person, engagement, measurement)               |       | own   |         |       |
| TEAM: change the account team                                  | yes   | -     | yes     | yes   |
| STEWARD: change an owner, archive or un-archive, delete a plan | -     | -     | yes     | yes   |
| COPY a plan forward to a new fiscal year                       | yes   | yes   | yes     | yes   |

An archived plan, and every plan of a churned account, is read-only for everyone: the one
write left is a manager's or admin's STEWARD act of un-archiving it. A manager's or admin's
edit of an account they are not on is recorded as such in its history.

Objects say where they belong through two properties: `account_for_rights` (the account)
and `plan_for_rights` (the plan, or None); items created by someone carry `created_by_id`.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Role, User


class Act(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    TEAM = "team"
    STEWARD = "steward"
    COPY = "copy"
    # Comment on the account or a plan, reply, resolve or reopen a thread.
    DISCUSS = "discuss"
    # Edit or delete one's own comment.
    AUTHOR = "author"


class Relation(StrEnum):
    OWNER = "owner"
    MEMBER = "member"
    MANAGER = "manager"
    ADMIN = "admin"
    NONE = "none"


class Refused(PermissionDenied):
    """A write the rights table does not allow; the message says why, in the reader's language."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)


# Plan statuses and account statuses that freeze a plan (the domain's choice values).
ARCHIVED = "archived"
CHURNED = "churned"


def relation(user: User, account) -> Relation:
    """How a person stands to an account. Asked once per account and request at most."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Relation.NONE
    cache = user.__dict__.setdefault("_account_relations", {})
    if account.pk is not None and account.pk in cache:
        return cache[account.pk]
    if account.owner_id == user.pk:
        found = Relation.OWNER
    elif account.pk is not None and account.team_members.filter(user_id=user.pk).exists():
        found = Relation.MEMBER
    elif user.is_superuser or user.role == Role.ADMIN:
        found = Relation.ADMIN
    elif user.role == Role.MANAGER:
        found = Relation.MANAGER
    else:
        found = Relation.NONE
    if account.pk is not None:
        cache[account.pk] = found
    return found


def forget(user: User) -> None:
    """Drop what was learnt about the user's relations (after the team or owner changed)."""
    user.__dict__.pop("_account_relations", None)


def is_locked(obj) -> bool:
    """Whether the plan the object belongs to is frozen (archived, or its account churned)."""
    plan = getattr(obj, "plan_for_rights", None)
    if plan is None:
        return False
    return plan.status == ARCHIVED or plan.account.status == CHURNED


def refusal(user: User, act: Act, obj, *, within=None) -> str | None:
    """Why the user may not do this, or None when they may.

    `within` is the plan or account the object sits in, when the caller has it at hand (a
    page listing a plan's items asks for each one without reading the plan again).
    """
    place = within if within is not None else obj
    account = place.account_for_rights
    rel = relation(user, account)
    if rel is Relation.NONE:
        return str(_("You cannot change this account: you are not its owner or on its team."))
    steward = rel in (Relation.MANAGER, Relation.ADMIN)
    if act is Act.STEWARD:
        if not steward:
            return str(
                _(
                    "Only a manager can change an owner, archive or un-archive a plan, or "
                    "delete a plan."
                )
            )
        return None
    if is_locked(place):
        return str(
            _(
                "This plan is archived or its account has ended, so it is read-only. A manager "
                "can un-archive it."
            )
        )
    if act is Act.AUTHOR and getattr(obj, "author_id", None) != user.pk:
        return str(_("You can change or delete only your own comments."))
    if act is Act.TEAM and rel is Relation.MEMBER:
        return str(_("Only the account's owner or a manager can change the team."))
    if act is Act.DELETE and rel is Relation.MEMBER:
        creator = getattr(obj, "created_by_id", None)
        if creator != user.pk:
            return str(_("Team members can delete only what they added themselves."))
    return None


def allowed(user: User, act: Act, obj, *, within=None) -> bool:
    return refusal(user, act, obj, within=within) is None


def require(user: User, act: Act, obj) -> None:
    reason = refusal(user, act, obj)
    if reason is not None:
        raise Refused(reason)


def steward_acts(changed: set[str], before: dict, after: dict) -> tuple[Act, ...]:
    """The acts a save of these changed fields is: handing over (a new owner) and archiving or
    un-archiving are a manager's (STEWARD); a new owner and any other change are an EDIT as
    well, so that un-archiving is the one change a read-only plan takes."""
    acts = []
    archiving = "status" in changed and ARCHIVED in (before.get("status"), after.get("status"))
    if "owner" in changed or archiving:
        acts.append(Act.STEWARD)
    if changed - {"status"} or ("status" in changed and not archiving) or not acts:
        acts.append(Act.EDIT)
    return tuple(acts)


def sign_off_refusal(user: User, review) -> str | None:
    """Why the user may not approve a plan review or send it back, or None when they may:
    the manager it was submitted to, or any manager when it went to no one (or to someone
    who has left)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return str(_("Sign in to sign off a review."))
    if user.role != Role.MANAGER:
        return str(_("Only a manager signs off a plan review."))
    approver = review.approver
    # Sent to someone who has left or is no longer a manager: any manager decides.
    waiting_for = approver is not None and approver.is_active and approver.role == Role.MANAGER
    if waiting_for and approver.pk != user.pk:
        return str(_("This review waits for %(name)s's sign-off.") % {"name": approver})
    return None


def check_assignable(person: User, *, field: str, keep: int | None = None) -> None:
    """Owners, team members and attendees are people who work accounts: active, and not
    administrators only. Someone already in place (`keep`) may stay."""
    if person.pk == keep:
        return
    if not person.is_active:
        raise ValidationError({field: _("%(name)s can no longer sign in.") % {"name": person}})
    if person.role == Role.ADMIN:
        raise ValidationError(
            {
                field: _("%(name)s administers the system and does not work accounts.")
                % {"name": person}
            }
        )


def assignable_users():
    """The people offered as owners, team members and attendees."""
    return User.objects.filter(is_active=True).exclude(role=Role.ADMIN)


def acts_as_manager(user: User, obj) -> bool:
    """A manager's or admin's write on an account they are not on: recorded as such."""
    try:
        account = obj.account_for_rights
    except (AttributeError, ObjectDoesNotExist):
        return False
    return relation(user, account) in (Relation.MANAGER, Relation.ADMIN)


# The change reason a manager's or admin's edit of an account they are not on carries in the
# history (simple_history's history_change_reason); the history pages show it as such.
MANAGER_EDIT = "manager"


def mark_manager_edit(sender, instance, history_instance, history_user=None, **kwargs) -> None:
    """Receiver of simple_history's pre_create_historical_record (connected in apps.py)."""
    if history_user is None or history_instance.history_change_reason:
        return
    try:
        if acts_as_manager(history_user, instance):
            history_instance.history_change_reason = MANAGER_EDIT
    except ObjectDoesNotExist:
        # A row deleted with its account has no account left to ask about.
        return
