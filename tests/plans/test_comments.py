"""Comments and mentions on an account, a plan and its items.

1. Threads: start one about the account, the plan or an item; reply; resolve and reopen; a
   reply reopens a resolved thread; text is escaped, links and line breaks kept.
2. Mentions: told once (in the app at once, in the daily digest once); never someone who
   cannot see the account, who is refused with a clear message and nothing saved.
3. Replies tell who is already in the thread, once, and not who was taken off the team.
4. One's own comment: edit (kept in history, newly mentioned told), delete; not another's.
5. Rights: an outsider gets 404 everywhere; a rep taken off the team stops seeing threads;
   an archived plan takes no comment.
6. Counts: open threads on the plan list and in my day.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kam.core.models import Notification, Reminder, ReminderKind
from kam.core.rights import Refused
from kam.core.versions import StaleEdit
from kam.reminders import mail as reminder_mail
from plans import comments
from plans.models import Comment, Mention
from tests.factories import GoalFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def plan(account, owner):
    return PlanFactory(account=account, owner=owner, title="2027年度 サンプル社プラン")


def start(account, author, body, plan=None, on=None, on_id=None):
    if plan is None:
        return comments.comment_start(
            account=account, on="account", on_id=account.pk, body=body, author=author
        )
    return comments.comment_start(
        account=account,
        plan=plan,
        on=on or "plan",
        on_id=on_id or plan.pk,
        body=body,
        author=author,
    )


def told(user, kind=None) -> list[Notification]:
    found = Notification.objects.filter(recipient=user)
    if kind:
        found = found.filter(kind=kind)
    return list(found)


# 1. Threads


def test_a_thread_on_the_account_page_is_posted_and_shown(client, account, owner, member):
    client.force_login(owner)
    url = reverse("comments:account_start", args=[account.pk])
    response = client.post(
        url,
        {"body": "来週の訪問で価格改定を打診します\n@member 同行お願いします", "view": "account"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#comments"
    body = response.content.decode()
    thread = Comment.objects.get()
    assert (thread.on, thread.on_id, thread.plan, thread.author) == (
        "account",
        account.pk,
        None,
        owner,
    )
    assert "来週の訪問で価格改定を打診します<br>" in body
    assert '<span class="mention">@member</span>' in body
    # Without JavaScript: the account page, at its comments.
    response = client.post(url, {"body": "もう一件"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=[account.pk]) + "#comments"


def test_a_thread_about_a_plan_item_names_the_item(client, account, owner, plan):
    goal = GoalFactory(plan=plan, statement="年間受注額を1.2億円にする")
    client.force_login(owner)
    response = client.post(
        reverse("comments:plan_start", args=[plan.pk]),
        {"about": f"goal:{goal.pk}", "body": "目標値は妥当？", "view": "plan"},
        **HTMX,
    )
    assert response.status_code == 200
    thread = Comment.objects.get()
    assert (thread.on, thread.on_id, thread.on_label, thread.plan) == (
        "goal",
        goal.pk,
        "年間受注額を1.2億円にする",
        plan,
    )
    # The item's threads on their own.
    response = client.get(reverse("comments:plan", args=[plan.pk]) + f"?on=goal:{goal.pk}")
    assert "目標値は妥当？" in response.content.decode()
    # The thread outlives the item, under the name it had.
    goal.delete()
    response = client.get(reverse("comments:thread", args=[thread.pk]))
    assert "年間受注額を1.2億円にする" in response.content.decode()


def test_an_item_of_another_plan_is_refused(account, owner, plan):
    other = PlanFactory(account=account, owner=owner, status="draft")
    goal = GoalFactory(plan=other)
    with pytest.raises(ValidationError) as refused:
        start(account, owner, "これは？", plan=plan, on="goal", on_id=goal.pk)
    assert "その項目はこのプランにもうありません。" in str(refused.value)
    assert not Comment.objects.exists()


def test_text_is_escaped_and_links_are_kept(client, account, owner):
    thread = start(
        account, owner, '<script>alert("x")</script> 資料: https://example.com/a?b=1&c=2'
    )
    client.force_login(owner)
    body = client.get(reverse("comments:thread", args=[thread.pk])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert 'href="https://example.com/a?b=1&amp;c=2"' in body
    assert 'rel="nofollow"' in body


def test_resolve_reopen_and_a_reply_reopens(client, account, owner, member):
    thread = start(account, owner, "見積の前提を確認したい")
    client.force_login(member)
    response = client.post(
        reverse("comments:resolve", args=[thread.pk]), {"view": "account"}, **HTMX
    )
    assert response.status_code == 200
    thread.refresh_from_db()
    assert thread.resolved_by == member and thread.resolved_at is not None
    # The open list no longer shows it; the resolved list does.
    listed = client.get(reverse("comments:account", args=[account.pk])).content.decode()
    assert "見積の前提を確認したい" not in listed
    listed = client.get(
        reverse("comments:account", args=[account.pk]) + "?state=resolved"
    ).content.decode()
    assert "見積の前提を確認したい" in listed
    client.post(reverse("comments:reopen", args=[thread.pk]), {"view": "account"}, **HTMX)
    thread.refresh_from_db()
    assert (thread.resolved_at, thread.resolved_by) == (None, None)
    comments.thread_resolve(thread=thread, user=owner)
    comments.comment_reply(thread=thread, body="まだ論点が残っています", author=member)
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_replies_are_one_level_deep(account, owner, member):
    thread = start(account, owner, "論点A")
    reply = comments.comment_reply(thread=thread, body="返信1", author=member)
    second = comments.comment_reply(thread=reply, body="返信2", author=owner)
    assert second.parent == thread
    assert [c.body for c in thread.replies.order_by("id")] == ["返信1", "返信2"]


# 2. Mentions


def test_a_mention_is_told_once_in_the_app_and_once_in_the_digest(account, owner, member):
    comment = start(account, owner, "@member 来週の訪問に同行できますか？")
    (note,) = told(member, ReminderKind.MENTION)
    assert note.title.startswith(
        "佐藤 健さんが株式会社サンプルのコメントであなたをメンションしました"
    )
    assert note.url == reverse("comments:thread", args=[comment.pk]) + f"#comment-{comment.pk}"
    # Asked again (a retry, a second save): nothing more.
    comments._notify(comment, ReminderKind.MENTION, [member])
    comments.comment_edit(
        comment=comment, body="@member 来週の訪問に同行できますか？（再送）", user=owner
    )
    assert len(told(member)) == 1
    assert Reminder.objects.filter(recipient=member, kind=ReminderKind.MENTION).count() == 1
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["member"]
    # The digest lists it once.
    member.email, member.digest_enabled = "member@example.com", True
    member.save(update_fields=["email", "digest_enabled"])
    today = timezone.localdate()
    assert reminder_mail.send_daily_digest(member.pk, today)
    assert len(mail.outbox) == 1
    assert "来週の訪問に同行できますか" in mail.outbox[0].body
    assert not reminder_mail.send_daily_digest(member.pk, today + dt.timedelta(days=1))
    assert len(mail.outbox) == 1


def test_mentioning_someone_who_cannot_see_the_account_is_refused(client, account, owner, outsider):
    client.force_login(owner)
    response = client.post(
        reverse("comments:account_start", args=[account.pk]),
        {"body": "@outsider 見てください", "view": "account"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "高橋 誠さん（@outsider）はこのアカウントを閲覧できないため、ここではメンションできません。"
        in body
    )
    # What was typed stays in the form; nothing saved, no one told.
    assert "@outsider 見てください</textarea>" in body
    assert not Comment.objects.exists()
    assert not told(outsider)


def test_mentioning_no_one_is_refused_in_japanese(client, account, owner):
    owner.language = "ja"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    response = client.post(
        reverse("comments:account_start", args=[account.pk]),
        {"body": "@nobody よろしく", "view": "account"},
        **HTMX,
    )
    assert "@nobody というユーザーはいません。" in response.content.decode()
    assert not Comment.objects.exists()


def test_who_can_be_mentioned_is_who_can_see_the_account(
    account, owner, member, outsider, manager, admin_user
):
    UserFactory(username="gone", is_active=False)
    names = set(comments.mentionable(account).values_list("username", flat=True))
    assert names == {"owner", "member", "manager", "admin"}
    assert comments.mentioned_names("@member と @manager、mail@example.com は除く @member") == [
        "member",
        "manager",
    ]


# 3. Replies


def test_a_reply_tells_the_thread_once_and_the_mentioned_as_a_mention(
    account, owner, member, manager
):
    thread = start(account, owner, "価格改定の方針について")
    reply = comments.comment_reply(thread=thread, body="@manager ご意見ください", author=member)
    assert [n.title[:2] for n in told(owner, ReminderKind.REPLY)] == ["鈴木"]
    assert len(told(manager, ReminderKind.MENTION)) == 1
    assert not told(manager, ReminderKind.REPLY)
    assert not told(member)
    # The manager answers: the owner and the member hear of it, once each.
    comments.comment_reply(thread=thread, body="了解、方針は来週決めましょう", author=manager)
    assert len(told(owner, ReminderKind.REPLY)) == 2
    assert len(told(member, ReminderKind.REPLY)) == 1
    assert reply.parent == thread


def test_a_rep_taken_off_the_team_stops_seeing_and_hearing(client, account, owner, member):
    thread = start(account, owner, "@member 資料の準備をお願いします")
    account.team_members.filter(user=member).delete()
    client.force_login(member)
    assert client.get(reverse("comments:thread", args=[thread.pk])).status_code == 404
    assert client.get(reverse("comments:account", args=[account.pk])).status_code == 404
    comments.comment_reply(thread=thread, body="追記です", author=owner)
    assert not told(member, ReminderKind.REPLY)
    with pytest.raises(ValidationError):
        comments.comment_reply(thread=thread, body="@member 確認を", author=owner)


# 4. One's own comment


def test_editing_keeps_the_history_and_tells_only_the_newly_mentioned(
    client, account, owner, member, manager
):
    comment = start(account, owner, "@member 訪問日程の調整")
    client.force_login(owner)
    response = client.post(
        reverse("comments:edit", args=[comment.pk]),
        {"body": "@member @manager 訪問日程の調整", "version": comment.version, "view": "account"},
        **HTMX,
    )
    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.edited_at is not None
    assert [h.body for h in comment.history.order_by("history_id")] == [
        "@member 訪問日程の調整",
        "@member @manager 訪問日程の調整",
    ]
    assert len(told(member)) == 1
    assert len(told(manager, ReminderKind.MENTION)) == 1
    assert (
        "（編集済み）" in client.get(reverse("comments:thread", args=[comment.pk])).content.decode()
    )


def test_two_edits_of_the_same_version_do_not_overwrite_each_other(account, owner):
    comment = start(account, owner, "初稿")
    seen = comment.version
    comments.comment_edit(
        comment=Comment.objects.get(pk=comment.pk), body="一度目", user=owner, version=seen
    )
    with pytest.raises(StaleEdit):
        comments.comment_edit(
            comment=Comment.objects.get(pk=comment.pk), body="二度目", user=owner, version=seen
        )
    assert Comment.objects.get(pk=comment.pk).body == "一度目"


def test_nobody_edits_or_deletes_another_persons_comment(client, account, owner, member, manager):
    comment = start(account, owner, "オーナーのコメント")
    for person in (member, manager):
        client.force_login(person)
        for name in ("comments:edit", "comments:delete"):
            response = client.post(
                reverse(name, args=[comment.pk]), {"body": "書き換え", "view": "account"}
            )
            assert response.status_code == 403, (person, name)
        with pytest.raises(Refused):
            comments.comment_delete(comment=comment, user=person)
    comment.refresh_from_db()
    assert comment.body == "オーナーのコメント"


def test_deleting_a_first_comment_with_replies_keeps_its_place(client, account, owner, member):
    thread = start(account, owner, "最初のコメント")
    reply = comments.comment_reply(thread=thread, body="返信", author=member)
    client.force_login(owner)
    client.post(reverse("comments:delete", args=[thread.pk]), {"view": "account"}, **HTMX)
    thread.refresh_from_db()
    assert thread.deleted_at is not None and thread.body == ""
    body = client.get(reverse("comments:thread", args=[thread.pk])).content.decode()
    assert "このコメントは削除されました。" in body and "返信" in body
    client.force_login(member)
    client.post(reverse("comments:delete", args=[reply.pk]), {"view": "thread"}, **HTMX)
    assert not Comment.objects.filter(pk=reply.pk).exists()
    lonely = start(account, member, "ひとりのコメント")
    comments.comment_delete(comment=lonely, user=member)
    assert not Comment.objects.filter(pk=lonely.pk).exists()


# 5. Rights


def test_an_outsider_gets_404_at_every_door(client, account, owner, outsider, plan):
    thread = start(account, owner, "社内限定の話", plan=plan)
    client.force_login(outsider)
    gets = [
        reverse("comments:account", args=[account.pk]),
        reverse("comments:plan", args=[plan.pk]),
        reverse("comments:thread", args=[thread.pk]),
        reverse("comments:edit", args=[thread.pk]),
    ]
    posts = [
        reverse("comments:account_start", args=[account.pk]),
        reverse("comments:plan_start", args=[plan.pk]),
        *(
            reverse(name, args=[thread.pk])
            for name in ("comments:reply", "comments:edit", "comments:delete")
        ),
        reverse("comments:resolve", args=[thread.pk]),
        reverse("comments:reopen", args=[thread.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"body": "侵入", "about": f"plan:{plan.pk}"}).status_code == 404
    assert Comment.objects.count() == 1
    with pytest.raises(Refused):
        comments.comment_reply(thread=thread, body="侵入", author=outsider)


def test_an_archived_plan_takes_no_comment(client, account, owner, plan):
    thread = start(account, owner, "アーカイブ前", plan=plan)
    plan.status = "archived"
    plan.save(update_fields=["status"])
    client.force_login(owner)
    response = client.post(
        reverse("comments:plan_start", args=[plan.pk]),
        {"about": f"plan:{plan.pk}", "body": "書けない"},
    )
    assert response.status_code == 403
    with pytest.raises(Refused):
        comments.comment_reply(thread=thread, body="書けない", author=owner)
    page = client.get(reverse("comments:plan", args=[plan.pk])).content.decode()
    assert "アーカイブ前" in page and 'data-testid="comment-start"' not in page


# 6. Counts


def test_open_threads_are_counted_on_the_plan_list_and_my_day(client, account, owner, plan):
    start(account, owner, "論点1", plan=plan)
    start(account, owner, "論点2", plan=plan)
    done = start(account, owner, "論点3", plan=plan)
    comments.thread_resolve(thread=done, user=owner)
    start(account, owner, "アカウントの論点")
    client.force_login(owner)
    body = client.get(reverse("plans:list")).content.decode()
    assert 'data-testid="open-threads">2</a>' in body
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="my-thread-count">3</span>' in body


def test_my_day_counts_the_threads_a_colleague_is_in(client, account, owner, member, manager):
    thread = start(account, owner, "@manager 判断をお願いします")
    start(account, owner, "オーナーだけの話")
    client.force_login(manager)
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="my-thread-count">1</span>' in body
    client.force_login(member)
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="my-thread-count">0</span>' in body
    comments.comment_reply(thread=thread, body="補足します", author=member)
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="my-thread-count">1</span>' in body


def test_a_mention_inside_a_link_is_part_of_the_link(client, account, owner, member):
    thread = start(account, owner, "資料 https://example.com/@member/page と @member")
    client.force_login(owner)
    body = client.get(reverse("comments:thread", args=[thread.pk])).content.decode()
    assert 'href="https://example.com/@member/page"' in body
    assert body.count('<span class="mention">@member</span>') == 1


def test_a_deleted_comments_text_does_not_stay_on_the_timeline(account, owner):
    from kam.core.models import Change

    comment = start(account, owner, "社外秘：値引き上限は15%")
    pk = comment.pk
    comments.comment_delete(comment=comment, user=owner)
    logged = Change.objects.filter(model="plans.comment", object_id=pk)
    assert logged.exists()
    assert not any("値引き" in (c.object_repr + str(c.fields)) for c in logged)


def test_erasing_a_person_clears_their_search_key_and_thread_subjects(account, owner, manager):
    from kam.core.models import Change
    from stakeholders import services as people
    from tests.factories import EngagementFactory, StakeholderFactory

    plan = PlanFactory(account=account, owner=owner)
    person = StakeholderFactory(account=account, name="山田 太郎", name_kana="ヤマダ タロウ")
    engagement = EngagementFactory(plan=plan, stakeholder=person)
    thread = start(
        account, owner, "働きかけの方針", plan=plan, on="engagement", on_id=engagement.pk
    )
    assert thread.on_label == "山田 太郎"
    people.stakeholder_erase(stakeholder=person, user=manager)
    person.refresh_from_db()
    assert "ヤマダ" not in person.search_key and "山田" not in person.search_key
    thread.refresh_from_db()
    assert "山田" not in thread.on_label
    assert not thread.history.filter(on_label__contains="山田").exists()
    for change in Change.objects.filter(model="plans.comment", object_id=thread.pk):
        assert "山田" not in change.object_repr + str(change.fields)
