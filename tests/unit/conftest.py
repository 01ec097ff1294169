"""Unit tests: pure logic, so none of the session's servers are needed.

``tests/conftest.py`` makes every test wait for PostgreSQL and RabbitMQ through its
autouse ``_environment`` fixture; here that fixture is overridden with one that
requests no server, so these tests run (and fail) on their own merits anywhere.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _environment() -> None:
    """Nothing to set up: unit tests build their settings explicitly."""
