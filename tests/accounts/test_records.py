"""Complete the records: meetings, opportunities and contracts corrected in the app, a
meeting's next step made an action in one click, and a finished price review recorded so that
the price-review reminders move to the next one."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Contract, Meeting, Opportunity
from kam.core.models import Reminder, ReminderKind
from kam.reminders import engine as reminders
from plans.models import ActionItem
from plans.tracking_services import action_from_meeting
from tests.factories import (
    AccountFactory,
    ActionFactory,
    ContractFactory,
    MeetingFactory,
    OpportunityFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
JST = ZoneInfo("Asia/Tokyo")
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today():
    # Noon in Tokyo on 20 November 2026.
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


def login(client, user):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def account_page(client, account):
    return client.get(reverse("accounts:detail", args=[account.pk]))


# Meetings


@pytest.fixture
def cfo(account):
    return StakeholderFactory(
        account=account, name="CFO 山本", last_contacted_on=dt.date(2026, 11, 15)
    )


@pytest.fixture
def buyer(account):
    return StakeholderFactory(
        account=account, name="購買部長 田村", last_contacted_on=dt.date(2026, 10, 1)
    )


@pytest.fixture
def meeting(account, owner, cfo):
    meeting = MeetingFactory(
        account=account,
        recorded_by=owner,
        held_at=dt.datetime(2026, 11, 10, 10, 0, tzinfo=JST),
        kind="meeting",
        subject="定例会",
        notes="予算の話",
        next_steps="",
    )
    meeting.stakeholders.set([cfo])
    meeting.attendees.set([owner])
    return meeting


def meeting_data(meeting, **changes):
    data = {
        "held_at": "2026-11-10T10:00",
        "kind": "meeting",
        "subject": "定例会",
        "stakeholders": [s.pk for s in meeting.stakeholders.all()],
        "attendees": [u.pk for u in meeting.attendees.all()],
        "notes": "予算の話",
        "next_steps": "",
        "version": meeting.version,
    }
    data.update(changes)
    return data


def test_edit_a_meeting_in_place(client, owner, member, cfo, buyer, meeting):
    login(client, owner)
    url = reverse("accounts:meeting_edit", args=[meeting.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200
    assert 'id="meeting-form"' in form.text
    assert "Edit meeting" in form.text
    assert 'value="定例会"' in form.text
    # Shown in Japanese time, as it was typed.
    assert 'value="2026-11-10T10:00"' in form.text
    assert f'hx-post="{url}"' in form.text

    response = client.post(
        url,
        meeting_data(
            meeting,
            held_at="2026-11-12T14:00",
            kind="visit",
            subject="  予算ヒアリング ",
            stakeholders=[cfo.pk, buyer.pk],
            attendees=[owner.pk, member.pk],
            notes="新工場の計画あり",
            next_steps="見積りを送る",
        ),
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#meetings"
    assert response["HX-Reswap"] == "outerHTML"
    assert response.text.lstrip().startswith('<section id="meetings"')
    assert "Meeting “予算ヒアリング” saved." in response.text
    assert f'id="meeting-{meeting.pk}"' in response.text
    assert "見積りを送る" in response.text
    assert "購買部長 田村" in response.text
    version = meeting.version
    meeting.refresh_from_db()
    assert meeting.held_at == dt.datetime(2026, 11, 12, 14, 0, tzinfo=JST)
    assert meeting.kind == "visit"
    assert meeting.subject == "予算ヒアリング"
    assert meeting.notes == "新工場の計画あり"
    assert meeting.next_steps == "見積りを送る"
    assert set(meeting.stakeholders.all()) == {cfo, buyer}
    assert set(meeting.attendees.all()) == {owner, member}
    assert meeting.recorded_by == owner
    assert meeting.version == version + 1
    change = meeting.history.first()
    assert change.history_type == "~"
    assert change.history_user == owner
    assert change.subject == "予算ヒアリング"
    assert meeting.history.count() == 2


def test_plain_meeting_edit_goes_back_to_the_log_with_a_notice(client, owner, meeting):
    login(client, owner)
    response = client.post(
        reverse("accounts:meeting_edit", args=[meeting.pk]),
        meeting_data(meeting, subject="四半期レビュー"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=[meeting.account_id]) + (
        "#meetings"
    )
    page = client.get(response["Location"])
    assert "Meeting “四半期レビュー” saved." in messages_of(page)
    assert "四半期レビュー" in page.text


def test_meeting_edit_with_bad_input_changes_nothing(client, owner, meeting):
    login(client, owner)
    response = client.post(
        reverse("accounts:meeting_edit", args=[meeting.pk]),
        meeting_data(meeting, subject="", notes="Keep these notes"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert "Enter a subject." in response.text
    assert "Keep these notes" in response.text
    meeting.refresh_from_db()
    assert meeting.subject == "定例会"
    assert meeting.notes == "予算の話"
    assert meeting.history.count() == 1


def test_meeting_in_the_future_is_refused_on_edit(client, owner, meeting):
    login(client, owner)
    response = client.post(
        reverse("accounts:meeting_edit", args=[meeting.pk]),
        meeting_data(meeting, held_at="2026-11-21T10:00"),
        **HTMX,
    )
    assert "A meeting cannot be dated in the future." in response.text
    meeting.refresh_from_db()
    assert meeting.held_at == dt.datetime(2026, 11, 10, 10, 0, tzinfo=JST)


def test_meeting_edit_moves_last_contact_forward_never_back(
    client, owner, account, cfo, buyer, meeting
):
    newcomer = StakeholderFactory(account=account, name="情シス課長 森", last_contacted_on=None)
    login(client, owner)
    url = reverse("accounts:meeting_edit", args=[meeting.pk])
    everyone = [cfo.pk, buyer.pk, newcomer.pk]

    # 8:00 on the 13th in Tokyo is still the 12th in UTC: the Japanese day counts.
    client.post(url, meeting_data(meeting, held_at="2026-11-13T08:00", stakeholders=everyone))
    for person in (cfo, buyer, newcomer):
        person.refresh_from_db()
    assert cfo.last_contacted_on == dt.date(2026, 11, 15)
    assert buyer.last_contacted_on == dt.date(2026, 11, 13)
    assert newcomer.last_contacted_on == dt.date(2026, 11, 13)
    assert buyer.history.first().history_user == owner
    histories = {p.pk: p.history.count() for p in (cfo, buyer, newcomer)}

    # Moving the meeting back to the 5th takes nobody's last contact back with it.
    meeting.refresh_from_db()
    client.post(url, meeting_data(meeting, held_at="2026-11-05T10:00", stakeholders=everyone))
    meeting.refresh_from_db()
    assert meeting.held_at == dt.datetime(2026, 11, 5, 10, 0, tzinfo=JST)
    for person in (cfo, buyer, newcomer):
        person.refresh_from_db()
    assert cfo.last_contacted_on == dt.date(2026, 11, 15)
    assert buyer.last_contacted_on == dt.date(2026, 11, 13)
    assert newcomer.last_contacted_on == dt.date(2026, 11, 13)
    assert {p.pk: p.history.count() for p in (cfo, buyer, newcomer)} == histories


def test_adding_people_to_a_meeting_uses_its_japanese_day(owner, buyer, meeting):
    # Stored in UTC as 23:00 on the 12th; in Tokyo it was 8:00 on the 13th.
    Meeting.objects.filter(pk=meeting.pk).update(
        held_at=dt.datetime(2026, 11, 13, 8, 0, tzinfo=JST)
    )
    meeting.refresh_from_db()
    services.meeting_update(
        meeting=meeting, data={"stakeholders": [buyer], "subject": "  朝の定例 "}, user=owner
    )
    buyer.refresh_from_db()
    assert buyer.last_contacted_on == dt.date(2026, 11, 13)
    meeting.refresh_from_db()
    assert meeting.subject == "朝の定例"
    assert list(meeting.stakeholders.all()) == [buyer]


def test_delete_a_meeting_in_place(client, owner, account, meeting):
    other = MeetingFactory(account=account, subject="別件の打ち合わせ")
    pk = meeting.pk
    login(client, owner)
    response = client.post(
        reverse("accounts:meeting_delete", args=[pk]), {"version": meeting.version}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#meetings"
    assert response.text.lstrip().startswith('<section id="meetings"')
    assert "Meeting “定例会” deleted." in response.text
    assert f'id="meeting-{pk}"' not in response.text
    assert f'id="meeting-{other.pk}"' in response.text
    assert list(Meeting.objects.all()) == [other]
    gone = Meeting.history.filter(id=pk).order_by("-history_date", "-history_id").first()
    assert gone.history_type == "-"
    assert gone.history_user == owner


def test_plain_meeting_delete_goes_back_to_the_log_with_a_notice(client, owner, meeting):
    login(client, owner)
    response = client.post(reverse("accounts:meeting_delete", args=[meeting.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#meetings")
    page = client.get(response["Location"])
    assert "Meeting “定例会” deleted." in messages_of(page)
    assert not Meeting.objects.exists()


def test_a_team_member_cannot_delete_a_meeting_someone_else_logged(client, member, meeting):
    login(client, member)
    response = client.post(reverse("accounts:meeting_delete", args=[meeting.pk]), **HTMX)
    assert response.status_code == 403
    assert "Team members can delete only what they added themselves." in response.text
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_a_delete_of_a_meeting_changed_since_is_refused(client, owner, member, meeting):
    seen = meeting.version
    services.meeting_update(meeting=meeting, data={"notes": "追記あり"}, user=member)
    login(client, owner)
    response = client.post(reverse("accounts:meeting_delete", args=[meeting.pk]), {"version": seen})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert any("after you opened it" in text for text in messages_of(page))
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_an_outsider_cannot_edit_or_delete_a_meeting(client, outsider, meeting):
    login(client, outsider)
    assert client.get(reverse("accounts:meeting_edit", args=[meeting.pk])).status_code == 404
    edit = client.post(
        reverse("accounts:meeting_edit", args=[meeting.pk]), meeting_data(meeting, subject="x")
    )
    assert edit.status_code == 404
    assert client.post(reverse("accounts:meeting_delete", args=[meeting.pk])).status_code == 404
    meeting.refresh_from_db()
    assert meeting.subject == "定例会"


# Opportunities


@pytest.fixture
def opportunity(account, owner):
    return OpportunityFactory(
        account=account,
        title="追加ライセンス",
        kind="upsell",
        stage="lead",
        amount=Decimal("3000000"),
        currency="JPY",
        expected_close_date=dt.date(2026, 12, 15),
        owner=owner,
        notes="",
    )


def opportunity_data(opportunity, **changes):
    data = {
        "title": opportunity.title,
        "kind": opportunity.kind,
        "stage": opportunity.stage,
        "amount": str(opportunity.amount),
        "currency": opportunity.currency,
        "expected_close_date": opportunity.expected_close_date.isoformat(),
        "owner": opportunity.owner_id,
        "notes": opportunity.notes,
        "version": opportunity.version,
    }
    data.update(changes)
    return data


def test_edit_an_opportunity_in_place(client, owner, member, opportunity):
    login(client, owner)
    url = reverse("accounts:opportunity_edit", args=[opportunity.pk])
    form = client.get(url, **HTMX)
    assert 'id="opportunity-form"' in form.text
    assert "Edit opportunity" in form.text
    assert set(form.context["form"].fields["owner"].queryset) == {owner, member}

    response = client.post(
        url,
        opportunity_data(
            opportunity,
            title=" 分析オプション ",
            kind="cross_sell",
            stage="proposal",
            amount="4500000",
            currency="usd",
            expected_close_date="2027-01-31",
            owner=member.pk,
            notes="CFOの承認待ち",
        ),
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#opportunities"
    assert response.text.lstrip().startswith('<section id="opportunities"')
    assert "Opportunity “分析オプション” saved." in response.text
    assert f'id="opportunity-{opportunity.pk}"' in response.text
    assert "01/31/2027" in response.text
    version = opportunity.version
    opportunity.refresh_from_db()
    assert opportunity.title == "分析オプション"
    assert opportunity.kind == "cross_sell"
    assert opportunity.stage == "proposal"
    assert opportunity.amount == Decimal("4500000")
    assert opportunity.currency == "USD"
    assert opportunity.expected_close_date == dt.date(2027, 1, 31)
    assert opportunity.owner == member
    assert opportunity.notes == "CFOの承認待ち"
    assert opportunity.version == version + 1
    change = opportunity.history.first()
    assert (change.history_type, change.history_user, change.title) == (
        "~",
        owner,
        "分析オプション",
    )


def test_plain_opportunity_edit_goes_back_to_the_section(client, owner, opportunity):
    login(client, owner)
    response = client.post(
        reverse("accounts:opportunity_edit", args=[opportunity.pk]),
        opportunity_data(opportunity, stage="negotiation"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#opportunities")
    assert "Opportunity “追加ライセンス” saved." in messages_of(client.get(response["Location"]))
    opportunity.refresh_from_db()
    assert opportunity.stage == "negotiation"


def test_opportunity_edit_with_bad_input_changes_nothing(client, owner, outsider, opportunity):
    login(client, owner)
    response = client.post(
        reverse("accounts:opportunity_edit", args=[opportunity.pk]),
        opportunity_data(opportunity, title="", amount="-1", owner=outsider.pk),
        **HTMX,
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    errors = response.context["form"].errors
    assert errors["title"] == ["Name the product or service."]
    assert "amount" in errors and "owner" in errors
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.amount, opportunity.owner_id) == (
        "追加ライセンス",
        Decimal("3000000"),
        opportunity.account.owner_id,
    )
    assert opportunity.history.count() == 1


def test_opportunity_update_tidies_the_title_and_the_currency(owner, opportunity):
    services.opportunity_update(
        opportunity=opportunity, data={"title": "  分析オプション ", "currency": ""}, user=owner
    )
    opportunity.refresh_from_db()
    assert opportunity.title == "分析オプション"
    assert opportunity.currency == django_settings.DEFAULT_CURRENCY
    services.opportunity_update(opportunity=opportunity, data={"currency": "usd"}, user=owner)
    opportunity.refresh_from_db()
    assert opportunity.currency == "USD"


def test_delete_an_opportunity_in_place(client, owner, account, opportunity):
    kept = OpportunityFactory(account=account, title="保守延長")
    pk = opportunity.pk
    login(client, owner)
    response = client.post(
        reverse("accounts:opportunity_delete", args=[pk]),
        {"version": opportunity.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#opportunities"
    assert response.text.lstrip().startswith('<section id="opportunities"')
    assert "Opportunity “追加ライセンス” deleted." in response.text
    assert f'id="opportunity-{pk}"' not in response.text
    assert f'id="opportunity-{kept.pk}"' in response.text
    assert list(Opportunity.objects.all()) == [kept]
    gone = Opportunity.history.filter(id=pk).order_by("-history_date", "-history_id").first()
    assert (gone.history_type, gone.history_user) == ("-", owner)


def test_plain_opportunity_delete_goes_back_to_the_section(client, owner, opportunity):
    login(client, owner)
    response = client.post(reverse("accounts:opportunity_delete", args=[opportunity.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#opportunities")
    assert "Opportunity “追加ライセンス” deleted." in messages_of(client.get(response["Location"]))
    assert not Opportunity.objects.exists()


def test_the_account_page_offers_edit_and_delete_of_each_record(
    client, owner, opportunity, meeting
):
    login(client, owner)
    page = account_page(client, opportunity.account).text
    for name, pk in [
        ("accounts:opportunity_edit", opportunity.pk),
        ("accounts:opportunity_delete", opportunity.pk),
        ("accounts:meeting_edit", meeting.pk),
        ("accounts:meeting_delete", meeting.pk),
    ]:
        assert reverse(name, args=[pk]) in page


# A meeting's next step becomes an action


@pytest.fixture
def hearing(account, owner):
    return MeetingFactory(
        account=account,
        recorded_by=owner,
        held_at=dt.datetime(2026, 11, 19, 15, 30, tzinfo=JST),
        subject="Budget hearing",
        next_steps="Send the revised proposal to the CFO\nInclude the SLA options",
    )


def test_a_next_step_becomes_an_action_of_the_active_plan(client, owner, account, hearing):
    PlanFactory(
        account=account,
        title="FY2025 plan",
        status="archived",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )
    active = PlanFactory(account=account, title="FY2026 plan", status="active")
    PlanFactory(
        account=account,
        title="FY2027 draft",
        status="draft",
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2028, 3, 31),
    )
    login(client, owner)
    before = account_page(client, account)
    make_url = reverse("plans:action_from_meeting", args=[hearing.pk])
    assert f'action="{make_url}"' in before.text
    assert "Make it an action" in before.text

    response = client.post(make_url)

    action = ActionItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("plans:action_plan", args=[active.pk]) + f"#action-{action.pk}"
    )
    assert action.plan == active
    assert action.title == "Send the revised proposal to the CFO"
    assert action.description == (
        "From the meeting “Budget hearing” on 11/19/2026:\n"
        "Send the revised proposal to the CFO\nInclude the SLA options"
    )
    assert action.owner == owner
    assert action.due_date == dt.date(2026, 11, 27)
    assert action.phase == 4
    assert action.status == "open"
    assert action.completed_at is None
    assert action.goal is None
    assert action.from_meeting == hearing
    assert action.created_by == owner
    shown = client.get(response["Location"])
    assert (
        "The next step is now an action of FY2026 plan, due 11/27/2026. Adjust it if needed."
        in messages_of(shown)
    )
    assert "Send the revised proposal to the CFO" in shown.text

    # The account page now links to the action instead of offering to make one.
    after = account_page(client, account)
    link = f'href="{reverse("plans:action_plan", args=[active.pk])}#action-{action.pk}"'
    assert link in after.text
    assert "Action: Send the revised proposal to the CFO" in after.text
    assert f'action="{make_url}"' not in after.text


def test_a_second_click_is_refused_with_a_message(client, owner, account, hearing):
    plan = PlanFactory(account=account, title="FY2026 plan", status="active")
    login(client, owner)
    url = reverse("plans:action_from_meeting", args=[hearing.pk])
    first = client.post(url)
    assert (
        "The next step is now an action of FY2026 plan"
        in messages_of(client.get(first["Location"]))[0]
    )
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("accounts:detail", args=[account.pk]) + f"#meeting-{hearing.pk}"
    )
    assert messages_of(client.get(response["Location"])) == [
        "This next step is already the action “Send the revised proposal to the CFO” of "
        "FY2026 plan."
    ]
    assert ActionItem.objects.filter(plan=plan).count() == 1


def test_without_an_open_plan_the_next_step_waits(client, owner, account, hearing):
    PlanFactory(account=account, title="FY2025 plan", status="archived")
    login(client, owner)
    response = client.post(reverse("plans:action_from_meeting", args=[hearing.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#meeting-{hearing.pk}")
    page = client.get(response["Location"])
    assert messages_of(page) == [
        "The account has no open plan to put the action in. Start a plan first."
    ]
    assert not ActionItem.objects.exists()
    # Still offered, for when a plan is started.
    assert "Make it an action" in page.text


def test_a_meeting_without_a_next_step_makes_no_action(client, owner, account):
    PlanFactory(account=account, status="active")
    silent = MeetingFactory(account=account, recorded_by=owner, next_steps="  \n ")
    login(client, owner)
    response = client.post(reverse("plans:action_from_meeting", args=[silent.pk]))
    assert messages_of(client.get(response["Location"])) == [
        "This meeting has no next step to act on."
    ]
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize(
    ("plans", "chosen"),
    [
        ([("under_review", 2026), ("draft", 2027)], "under_review 2026"),
        ([("draft", 2026), ("draft", 2027), ("archived", 2028)], "draft 2027"),
    ],
)
def test_without_an_active_plan_the_one_under_review_then_the_newest_draft(
    owner, account, hearing, plans, chosen
):
    for status, year in plans:
        PlanFactory(
            account=account,
            title=f"{status} {year}",
            status=status,
            period_start=dt.date(year, 4, 1),
            period_end=dt.date(year + 1, 3, 31),
        )
    action = action_from_meeting(meeting=hearing, user=owner)
    assert action.plan.title == chosen


def test_an_administrator_makes_the_action_for_the_plan_owner(client, admin_user, owner, account):
    plan = PlanFactory(account=account, owner=owner, status="active")
    meeting = MeetingFactory(account=account, next_steps="x" * 250)
    login(client, admin_user)
    client.post(reverse("plans:action_from_meeting", args=[meeting.pk]))
    action = ActionItem.objects.get()
    assert action.plan == plan
    # An administrator does not work accounts: the plan's owner gets it.
    assert action.owner == owner
    assert action.created_by == admin_user
    # A first line too long for a title is cut with an ellipsis.
    assert action.title == "x" * 199 + "…"


def test_an_outsider_cannot_make_an_action_of_a_meeting(client, outsider, account, hearing):
    PlanFactory(account=account, status="active")
    login(client, outsider)
    response = client.post(reverse("plans:action_from_meeting", args=[hearing.pk]))
    assert response.status_code == 404
    assert not ActionItem.objects.exists()


def test_the_action_made_is_found_among_the_plan_actions(client, owner, account, hearing):
    plan = PlanFactory(account=account, status="active")
    ActionFactory(plan=plan, title="既存のアクション")
    login(client, owner)
    client.post(reverse("plans:action_from_meeting", args=[hearing.pk]))
    page = client.get(reverse("plans:action_plan", args=[plan.pk]))
    made = ActionItem.objects.get(from_meeting=hearing)
    assert f'id="action-{made.pk}"' in page.text
    assert "既存のアクション" in page.text


# Contracts


@pytest.fixture
def contract(account):
    return ContractFactory(
        account=account,
        number="C-2026-001",
        title="保守契約",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2027, 3, 31),
        annual_value=Decimal("12000000"),
        currency="JPY",
        notice_period_days=90,
        auto_renew=False,
        next_price_review_date=dt.date(2026, 12, 20),
    )


def contract_data(contract, **changes):
    data = {
        "number": contract.number,
        "title": contract.title,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "annual_value": str(contract.annual_value),
        "currency": contract.currency,
        "notice_period_days": str(contract.notice_period_days),
        "next_price_review_date": (
            contract.next_price_review_date.isoformat() if contract.next_price_review_date else ""
        ),
        "sla_terms": contract.sla_terms,
        "version": contract.version,
    }
    if contract.auto_renew:
        data["auto_renew"] = "on"
    data.update(changes)
    return data


def test_edit_a_contract_in_place(client, owner, contract):
    assert contract.renewal_deadline == dt.date(2026, 12, 31)
    login(client, owner)
    url = reverse("accounts:contract_edit", args=[contract.pk])
    form = client.get(url, **HTMX)
    assert 'id="contract-form"' in form.text
    assert "Edit contract C-2026-001" in form.text
    # The status moves through the renewal actions, not this form.
    assert "status" not in form.context["form"].fields

    response = client.post(
        url,
        contract_data(
            contract,
            title="保守契約（改定）",
            end_date="2027-06-30",
            notice_period_days="60",
            annual_value="13000000",
            currency="jpy",
            auto_renew="on",
            sla_terms="平日9時から18時",
            status="cancelled",
        ),
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#contracts"
    assert response.text.lstrip().startswith('<section id="contracts"')
    assert "Contract C-2026-001 saved." in response.text
    # The health section comes along, out of band.
    assert '<section id="health" class="card" data-testid="health" hx-swap-oob="true">' in (
        response.text
    )
    version = contract.version
    contract.refresh_from_db()
    assert contract.number == "C-2026-001"
    assert contract.title == "保守契約（改定）"
    assert contract.end_date == dt.date(2027, 6, 30)
    assert contract.notice_period_days == 60
    # 30 June 2027 less 60 days.
    assert contract.renewal_deadline == dt.date(2027, 5, 1)
    assert contract.annual_value == Decimal("13000000")
    assert contract.currency == "JPY"
    assert contract.auto_renew is True
    assert contract.sla_terms == "平日9時から18時"
    assert contract.status == "active"
    assert contract.version == version + 1
    assert "05/01/2027" in response.text
    change = contract.history.first()
    assert (change.history_type, change.history_user) == ("~", owner)


def test_plain_contract_edit_goes_back_to_the_section(client, owner, contract):
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_edit", args=[contract.pk]),
        contract_data(contract, notice_period_days="30"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#contracts")
    assert "Contract C-2026-001 saved." in messages_of(client.get(response["Location"]))
    contract.refresh_from_db()
    assert contract.renewal_deadline == dt.date(2027, 3, 1)


def test_a_contract_number_used_by_another_contract_is_refused(client, owner, contract):
    ContractFactory(account=AccountFactory(), number="C-2026-002")
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_edit", args=[contract.pk]),
        contract_data(contract, number="C-2026-002", title="Keep my title"),
        **HTMX,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [
        "A contract with this number already exists."
    ]
    assert "Keep my title" in response.text
    contract.refresh_from_db()
    assert (contract.number, contract.title) == ("C-2026-001", "保守契約")


def test_a_contract_ending_before_it_starts_is_refused(client, owner, contract):
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_edit", args=[contract.pk]),
        contract_data(contract, end_date="2026-04-01"),
        **HTMX,
    )
    assert response.context["form"].errors["end_date"] == [
        "The end date must be after the start date."
    ]
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2027, 3, 31)
    assert contract.renewal_deadline == dt.date(2026, 12, 31)


def test_contract_update_checks_the_number_and_the_term_itself(owner, contract):
    ContractFactory(account=AccountFactory(), number="C-2026-002")
    # Its own number is not taken by itself; the deadline follows the new end.
    saved = services.contract_update(
        contract=contract,
        data={"number": " C-2026-001 ", "end_date": dt.date(2027, 9, 30)},
        user=owner,
    )
    assert saved.number == "C-2026-001"
    assert saved.renewal_deadline == dt.date(2027, 7, 2)
    with pytest.raises(ValidationError) as taken:
        services.contract_update(contract=contract, data={"number": "C-2026-002"}, user=owner)
    assert taken.value.message_dict == {"number": ["A contract with this number already exists."]}
    with pytest.raises(ValidationError) as backwards:
        services.contract_update(
            contract=contract, data={"start_date": dt.date(2027, 9, 30)}, user=owner
        )
    assert backwards.value.message_dict == {
        "end_date": ["The end date must be after the start date."]
    }
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.number, stored.start_date) == ("C-2026-001", dt.date(2026, 4, 1))


# A finished price review


def review_data(contract, **changes):
    data = {
        "reviewed_on": "2026-11-18",
        "annual_value": "12600000",
        "next_review_date": "2027-12-20",
        "version": contract.version,
    }
    data.update(changes)
    return data


def test_record_a_price_review_in_place(client, owner, contract):
    login(client, owner)
    url = reverse("accounts:contract_price_review", args=[contract.pk])
    form = client.get(url, **HTMX)
    assert "Record the price review of C-2026-001" in form.text
    initial = form.context["form"].initial
    assert initial["reviewed_on"] == TODAY
    assert initial["annual_value"] == Decimal("12000000")
    assert initial["next_review_date"] == dt.date(2027, 11, 20)

    response = client.post(url, review_data(contract), **HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#contracts"
    assert (
        "Price review of C-2026-001 recorded; the next one is due on 12/20/2027." in response.text
    )
    assert "last 11/18/2026" in response.text
    version = contract.version
    contract.refresh_from_db()
    assert contract.last_price_review_date == dt.date(2026, 11, 18)
    assert contract.annual_value == Decimal("12600000")
    assert contract.next_price_review_date == dt.date(2027, 12, 20)
    assert contract.version == version + 1
    change = contract.history.first()
    assert (change.history_type, change.history_user) == ("~", owner)
    assert change.annual_value == Decimal("12600000")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"next_review_date": "2026-11-18"},
            "next_review_date",
            "The next review must come after this one.",
        ),
        (
            {"next_review_date": "2026-11-01"},
            "next_review_date",
            "The next review must come after this one.",
        ),
        (
            {"reviewed_on": "2026-11-21"},
            "reviewed_on",
            "A review cannot be recorded before it happens.",
        ),
    ],
    ids=["same-day", "earlier", "future"],
)
def test_a_price_review_out_of_order_is_refused(client, owner, contract, changes, field, message):
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_price_review", args=[contract.pk]),
        review_data(contract, **changes),
        **HTMX,
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert response.context["form"].errors[field] == [message]
    assert message in response.text
    contract.refresh_from_db()
    assert contract.last_price_review_date is None
    assert contract.annual_value == Decimal("12000000")
    assert contract.next_price_review_date == dt.date(2026, 12, 20)


def price_reminders(contract) -> set[tuple[int, dt.date, int]]:
    return set(
        Reminder.objects.filter(kind=ReminderKind.PRICE_REVIEW, object_id=contract.pk).values_list(
            "recipient_id", "due_date", "lead_days"
        )
    )


def test_a_recorded_price_review_moves_the_reminders_to_the_next_one(
    client, owner, account, contract
):
    leads = sorted(django_settings.PRICE_REVIEW_LEAD_DAYS, reverse=True)
    first_lead = leads[0]
    old_date, new_date = dt.date(2026, 12, 20), dt.date(2027, 12, 20)
    # The same review date on a contract nobody reviewed: its reminders keep coming.
    unreviewed = ContractFactory(
        account=account, number="C-2026-009", next_price_review_date=old_date
    )

    # Before: the first lead time before the review date records a reminder.
    reminders.sweep("price_reviews", today=old_date - dt.timedelta(days=first_lead))
    assert price_reminders(contract) == {(owner.pk, old_date, first_lead)}

    login(client, owner)
    response = client.post(
        reverse("accounts:contract_price_review", args=[contract.pk]),
        review_data(contract, reviewed_on=TODAY.isoformat(), next_review_date=new_date.isoformat()),
        **HTMX,
    )
    assert response["HX-Retarget"] == "#contracts"

    # After: on the old date, nothing new for the reviewed contract, the other one is due.
    for lead in leads[1:]:
        reminders.sweep("price_reviews", today=old_date - dt.timedelta(days=lead))
    assert price_reminders(contract) == {(owner.pk, old_date, first_lead)}
    assert (owner.pk, old_date, 0) in price_reminders(unreviewed)

    # Each lead time before the new date records its reminder.
    for lead in leads:
        reminders.sweep("price_reviews", today=new_date - dt.timedelta(days=lead))
    assert price_reminders(contract) == {
        (owner.pk, old_date, first_lead),
        *((owner.pk, new_date, lead) for lead in leads),
    }
    latest = Reminder.objects.filter(
        kind=ReminderKind.PRICE_REVIEW, object_id=contract.pk, due_date=new_date, lead_days=0
    ).get()
    assert latest.url == reverse("accounts:detail", args=[account.pk]) + f"#contract-{contract.pk}"
