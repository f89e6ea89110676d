"""Process set-up shared by the web entry points (WSGI, ASGI) and the benchmark."""

import gc


def settle_heap() -> None:
    """Move what is loaded so far out of the cyclic garbage collector's way.

    Modules, URL patterns and translations live as long as the process, yet every full
    collection walks them again: at this project's size that is a pause of around 50 ms in
    whichever request triggers it. The URLconf (and with it every view module) is loaded
    here rather than on the first request, then everything is frozen, so the collector is
    left the objects requests create. Templates still compile on first use. Called once,
    after the application loads.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every URLconf and view module now)
    gc.collect()
    gc.freeze()
