from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """Demo data, the benchmark and set-up commands: an app only for its management commands."""

    name = "kam.tools"
    label = "tools"
    verbose_name = "Tools"
