"""Serving an HTTP app factory the same way in every service."""

import uvicorn


def serve(factory: str, *, host: str, port: int, workers: int) -> None:
    """Run ``module:function`` (an app factory) under uvicorn with uvloop."""
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
