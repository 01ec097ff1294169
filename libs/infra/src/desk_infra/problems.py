"""RFC 9457 problem details for every HTTP error, with the offending fields named."""

import logging
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://supportdesk.dev/problems/"


class Problem(Exception):
    """An error that becomes a problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = PROBLEM_BASE + type_ if type_ else "about:blank"
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        if self.errors:
            doc["errors"] = self.errors
        doc.update(self.extensions)
        return doc


class FieldError(BaseModel):
    field: str
    pointer: str
    detail: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, as every error of the API is answered."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


_MEANINGS = {
    401: "No valid bearer token.",
    403: "The caller's permissions or tenant do not allow this.",
    404: "Nothing with that id, for this caller.",
    412: "If-Match names a version that is no longer current.",
    422: "A field is invalid; `errors` names each one.",
    502: "A service behind the API failed.",
    503: "A service behind the API is unavailable.",
    504: "A service behind the API did not answer in time.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting problem answers."""
    return {
        status: {
            "model": ProblemDetails,
            "description": _MEANINGS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


def field_error(field: str, message: str) -> dict[str, str]:
    """One entry of ``errors``: the field (dotted path) and what is wrong with it."""
    pointer = "/" + "/".join(field.split(".")) if field else ""
    return {"field": field, "pointer": f"#{pointer}", "detail": message}


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    return Response(
        orjson.dumps(problem.body(instance), default=str),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts)


def install_problem_handlers(app: FastAPI) -> None:
    """Turn every error the app can raise into problem details."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        malformed = [e for e in exc.errors() if e["type"] == "json_invalid"]
        if malformed:
            where = malformed[0].get("ctx", {}).get("error", "")
            problem = Problem(
                400,
                f"The body is not valid JSON ({where}).",
                type_="malformed-json",
                title="Malformed JSON",
            )
            return problem_response(problem, request.url.path)
        errors = [
            field_error(_location(tuple(e["loc"])), e["msg"]) for e in exc.errors()
        ]
        fields = ", ".join(e["field"] or "body" for e in errors)
        problem = Problem(
            422,
            f"The request is not valid: {fields}.",
            type_="validation",
            title="Invalid request",
            errors=errors,
        )
        return problem_response(problem, request.url.path)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else None
        problem = Problem(exc.status_code, str(exc.detail), headers=headers)
        return problem_response(problem, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        problem = Problem(500, "The server could not complete the request.")
        return problem_response(problem, request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
