"""The demo portfolio, loaded by ``manage.py seed_demo``; README.md describes its data files."""

from .loader import (
    ACCOUNTS,
    COMPANIES,
    DEMO_USERS,
    MANAGER,
    PASSWORD,
    REPS,
    DemoUser,
    SeedResult,
    demo_counts,
    demo_seed,
    demo_users_ensure,
)

__all__ = [
    "ACCOUNTS",
    "COMPANIES",
    "DEMO_USERS",
    "MANAGER",
    "PASSWORD",
    "REPS",
    "DemoUser",
    "SeedResult",
    "demo_counts",
    "demo_seed",
    "demo_users_ensure",
]
