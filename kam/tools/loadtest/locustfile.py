"""The sales floor under load: reps and managers signing in and working, with think time.

Run by scripts/loadtest against gunicorn on loopback (see the README); the portfolio and the
users are the benchmark's (kam.tools.benchmark): reps bench-rep-NNN and managers
bench-manager-N, password bench-pass-2026. Requests are named by page, so the table reads
per page rather than per URL.

LOAD_HOSTS (comma-separated base URLs) spreads the users over several web processes; each
simulated person keeps to one, as a browser keeps to one connection.
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "bench-pass-2026")
REPS = int(os.environ.get("LOAD_REPS", "10"))
MANAGERS = int(os.environ.get("LOAD_MANAGERS", "3"))
HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]

ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')
PLAN_LINK = re.compile(r'href="/plans/(\d+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
TEXTAREA = re.compile(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', re.S)
TIERS = ("strategic", "key", "growth", "maintain")

_numbers = itertools.count()


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    # Who each simulated person signs in as: the n-th of `people` benchmark users.
    username_format = ""
    people = 1

    def on_start(self) -> None:
        n = next(_numbers)
        if HOSTS:
            self.client.base_url = HOSTS[n % len(HOSTS)]
        self.sign_in(self.username_format.format(n % self.people))
        self.accounts: list[str] = []
        self.plans: list[str] = []

    def sign_in(self, username: str) -> None:
        page = self.client.get("/login/", name="sign in (form)")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="sign in",
            catch_response=True,
        ) as answer:
            if "/login/" in answer.url:
                answer.failure(f"{username} could not sign in")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def accounts_list(self) -> None:
        query = random.choice(
            ["", "?tier=" + random.choice(TIERS), "?q=ベンチ0", "?sort=-priority_score"]
        )
        page = self.client.get("/accounts/" + query, name="accounts list")
        found = ACCOUNT_LINK.findall(page.text)
        if found:
            self.accounts = found

    def account_page(self) -> None:
        if not self.accounts:
            self.accounts_list()
        if not self.accounts:
            return
        pk = random.choice(self.accounts)
        page = self.client.get(f"/accounts/{pk}/", name="account page")
        # The sections the page loads on arrival, as the browser does.
        hx = {"HX-Request": "true"}
        self.client.get(f"/comments/accounts/{pk}/", headers=hx, name="account comments")
        self.plans = PLAN_LINK.findall(page.text) or self.plans

    def plan_page(self) -> None:
        if not self.plans:
            self.account_page()
        if not self.plans:
            return
        pk = random.choice(self.plans)
        self.client.get(f"/plans/{pk}/", name="plan page")
        self.client.get(
            f"/comments/plans/{pk}/", headers={"HX-Request": "true"}, name="plan comments"
        )


class Rep(_Person):
    """A key account manager: their day, their accounts and plans, a meeting, a plan edit."""

    weight = 3
    username_format = "bench-rep-{:03d}"
    people = REPS

    @task(3)
    def my_day(self) -> None:
        self.client.get("/", name="my day")

    @task(2)
    def list_accounts(self) -> None:
        self.accounts_list()

    @task(4)
    def open_account(self) -> None:
        self.account_page()

    @task(3)
    def open_plan(self) -> None:
        self.plan_page()

    @task(1)
    def renewals(self) -> None:
        self.client.get("/renewals/", name="renewal pipeline")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="dashboard")

    @task(1)
    def record_meeting(self) -> None:
        if not self.accounts:
            self.accounts_list()
        if not self.accounts:
            return
        pk = random.choice(self.accounts)
        with self.client.post(
            f"/accounts/{pk}/meetings/add/",
            {
                "csrfmiddlewaretoken": self.csrf(),
                "held_at": "2026-11-30T10:00",
                "kind": "meeting",
                "subject": "定例会（負荷試験）",
                "notes": "議事メモ",
            },
            headers={"Referer": self.client.base_url + f"/accounts/{pk}/"},
            name="save meeting",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200 or "/meetings/add/" in answer.url:
                answer.failure("the meeting was not saved")

    @task(1)
    def edit_plan_section(self) -> None:
        if not self.plans:
            self.account_page()
        if not self.plans:
            return
        pk = random.choice(self.plans)
        form = self.client.get(f"/plans/{pk}/value/edit/", name="plan section form")
        data = dict(HIDDEN.findall(form.text))
        data.update(dict(TEXTAREA.findall(form.text)))
        data["value_what"] = f"物流コストを年間{random.randint(5, 20)}%削減"
        data["csrfmiddlewaretoken"] = self.csrf()
        with self.client.post(
            f"/plans/{pk}/value/edit/",
            data,
            headers={"Referer": self.client.base_url + f"/plans/{pk}/"},
            name="save plan section",
            catch_response=True,
        ) as answer:
            # Two people saving the same section at once: the second is told, not an error.
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")


class Manager(_Person):
    """A manager: the portfolio dashboard, the renewal pipeline, drilling into accounts."""

    weight = 1
    username_format = "bench-manager-{}"
    people = MANAGERS

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="dashboard")

    @task(2)
    def renewals(self) -> None:
        self.client.get("/renewals/", name="renewal pipeline")

    @task(2)
    def list_accounts(self) -> None:
        self.accounts_list()

    @task(2)
    def open_account(self) -> None:
        self.account_page()

    @task(1)
    def open_plan(self) -> None:
        self.plan_page()

    @task(1)
    def my_day(self) -> None:
        self.client.get("/", name="my day")
