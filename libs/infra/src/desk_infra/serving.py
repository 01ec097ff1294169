"""Running a desk process: its collector settings, and HTTP app factories."""

import gc
import importlib

import uvicorn

GC_THRESHOLD = (50_000, 20, 100)
"""Young objects allocated before a collection, then how many collections of
each generation before the next one: Python's (700, 10, 10) made a request-sized
process collect every few requests, pausing the ones in flight."""


def tune_gc() -> None:
    """Collect less often, and never scan what start-up made (modules, settings,
    pools): long-lived objects are moved out of the collector's reach."""
    gc.set_threshold(*GC_THRESHOLD)
    gc.collect()
    gc.freeze()


def serve(factory: str, *, host: str, port: int, workers: int) -> None:
    """Run ``module:function`` (an app factory) under uvicorn with uvloop."""
    importlib.import_module(factory.split(":", 1)[0])
    tune_gc()
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_config=None,  # the app configures logging itself
        access_log=False,
    )
