"""How a desk process sets up its garbage collector."""

import subprocess
import sys

SCRIPT = """
import gc
from desk_infra.serving import GC_THRESHOLD, tune_gc
before = gc.get_freeze_count()
tune_gc()
assert gc.get_threshold() == GC_THRESHOLD, gc.get_threshold()
assert gc.get_freeze_count() > before, gc.get_freeze_count()
"""


def test_start_up_objects_are_frozen_and_collections_are_rarer() -> None:
    # In a process of its own: freezing is for the whole interpreter.
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)

    assert run.returncode == 0, run.stderr
