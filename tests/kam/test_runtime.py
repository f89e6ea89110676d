"""Start-up settling of the web processes' heap."""

import gc
import weakref

from kam.core.runtime import settle_heap


def test_settle_heap_freezes_what_is_loaded_and_collects_the_rest():
    class Cycle:
        pass

    garbage = Cycle()
    garbage.self = garbage
    ref = weakref.ref(garbage)
    del garbage
    before = gc.get_freeze_count()
    try:
        settle_heap()
        assert gc.get_freeze_count() > before
        assert ref() is None  # the unreachable cycle was collected, not frozen
    finally:
        gc.unfreeze()


def test_web_entry_points_settle_after_loading():
    from pathlib import Path

    for name in ("wsgi", "asgi"):
        source = Path(__file__).resolve().parents[2].joinpath("kam", f"{name}.py").read_text()
        assert source.index(f"application = get_{name}_application()") < source.index(
            "settle_heap()"
        )
