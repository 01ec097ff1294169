"""Entity tags: a version as ``ETag``, and the versions ``If-Match`` accepts."""

import re

from desk_infra.problems import Problem

_TAG = re.compile(r'\s*(?:W/)?"([0-9]{1,18})"\s*')


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` header accepts; None when it accepts any.

    ``"3"`` and ``W/"3"`` name version 3; a list accepts any version it names;
    ``*`` (or no header) matches whatever is current. Anything else is refused.
    """
    if value is None or value.strip() == "*":
        return None
    versions = set()
    for part in value.split(","):
        match = _TAG.fullmatch(part)
        if match is None:
            raise Problem(
                412,
                f"If-Match {value!r} names no version of this resource",
                type_="version-mismatch",
            )
        versions.add(int(match.group(1)))
    return frozenset(versions)
