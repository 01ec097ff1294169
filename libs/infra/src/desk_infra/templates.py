"""Message templates written by administrators: Jinja2 in a sandbox, as plain text.

Templates come from tenants' administrators, so they render in Jinja2's
``ImmutableSandboxedEnvironment`` (no access to ``__class__``, ``__globals__``,
internal attributes or unsafe callables, and no changing the variables) with
``StrictUndefined`` (a misspelt variable is an error, never a silent blank) and
without HTML escaping (the output is text; a channel that sends HTML escapes it
itself). On top of the sandbox, a template may not be longer than ``MAX_SOURCE``
characters, render more than ``MAX_OUTPUT`` characters, raise to a power above
``MAX_EXPONENT``, repeat a string or list beyond ``MAX_OUTPUT`` items, ask
``range`` for more than ``MAX_RANGE`` numbers or run more than ``MAX_ITERATIONS``
loop rounds in all (nested loops included), so one template cannot stall a
worker. ``lipsum`` is not offered.

``validate_template`` is what a service calls when a template is saved: it parses
the source and renders it once against ``SAMPLE_VARIABLES``, the variables every
SLA message gets (``services/sla/docs/templates.md`` documents them). A template
that refers to anything else is refused with the reason.
"""

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SOURCE = 10_000
"""Characters a template may have."""
MAX_OUTPUT = 100_000
"""Characters a rendered template may have."""
MAX_EXPONENT = 64
"""Largest exponent of ``**``: ``10 ** 10 ** 10`` would compute for hours."""
MAX_POWER_BITS = 4096
"""Largest integer ``**`` may compute, in bits."""
MAX_RANGE = 10_000
"""Numbers all the ``range`` calls of one rendering may produce together."""
MAX_ITERATIONS = 100_000
"""Rounds all the ``for`` loops of one rendering may run together."""

SAMPLE_VARIABLES: Mapping[str, Any] = {
    "ticket": {
        "id": "0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f",
        "reference": "SR-2026-0042",
        "subject": "The printer on the second floor is jammed",
        "status": "Open",
        "priority": "High",
        "topic": "Hardware",
        "requester": "Ada Lovelace",
        "url": "https://desk.example.com/tickets/0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f",
    },
    "sla": {
        "name": "First response, business hours",
        "point": "warning",
        "due_at": "2026-12-04 08:30 UTC",
        "breach_due_at": "2026-12-04 09:00 UTC",
        "fired_at": "2026-12-04 08:30 UTC",
        "colour": "#ffbf00",
        "remaining": "30 minutes",
        "overdue": "",
    },
    "recipient": {"id": "grace", "name": "Grace Hopper"},
}
"""The variables every SLA warning and breach message is rendered with (values are
examples; ``services/sla/docs/templates.md`` explains each). ``sla.point`` is
``warning`` or ``breach``; ``sla.due_at`` is when that point fell due."""


_ROUNDS = "__desk_rounds"
"""The global that counts loop rounds (a name no template can spell usefully)."""


class TemplateError(Exception):
    """A template that does not parse or render; ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _bounded_power(base: Any, exponent: Any) -> Any:
    if isinstance(exponent, int | float) and abs(exponent) > MAX_EXPONENT:
        raise TemplateError(f"the exponent {exponent} is above {MAX_EXPONENT}")
    if isinstance(base, int) and base.bit_length() * abs(exponent) > MAX_POWER_BITS:
        raise TemplateError(f"the power would have more than {MAX_POWER_BITS} bits")
    return base**exponent


def _bounded_repeat(left: Any, right: Any) -> Any:
    for sequence, times in ((left, right), (right, left)):
        repeated = isinstance(sequence, str | list | tuple) and isinstance(times, int)
        if repeated and len(sequence) * times > MAX_OUTPUT:
            raise TemplateError(
                f"repeating {len(sequence)} items {times} times exceeds {MAX_OUTPUT}"
            )
    return left * right


_BINOPS: Mapping[str, Callable[[Any, Any], Any]] = {
    "**": _bounded_power,
    "*": _bounded_repeat,
}


@dataclass
class _Budget:
    """What is left to one rendering (a fresh one per ``render_template``)."""

    numbers: int = MAX_RANGE
    rounds: int = MAX_ITERATIONS


_budget: ContextVar[_Budget] = ContextVar("template_budget")


def _bounded_range(*arguments: int) -> range:
    numbers = range(*arguments)
    budget = _budget.get()
    budget.numbers -= len(numbers)
    if budget.numbers < 0:
        raise TemplateError(f"the loops ask range for more than {MAX_RANGE} numbers")
    return numbers


def _bounded_rounds(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _budget.get()
    for item in iterable:
        budget.rounds -= 1
        if budget.rounds < 0:
            raise TemplateError(f"the loops run more than {MAX_ITERATIONS} rounds")
        yield item


class _TextSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox (no ``list.append``, ``dict.update``...), with ``*`` and
    ``**`` bounded."""

    intercepted_binops = frozenset(_BINOPS)

    def call_binop(
        self, context: jinja2.runtime.Context, operator_: str, left: Any, right: Any
    ) -> Any:
        bounded = _BINOPS.get(operator_)
        if bounded is None:  # pragma: no cover - only the intercepted ones come here
            return super().call_binop(context, operator_, left, right)
        return bounded(left, right)


_ENVIRONMENT = _TextSandbox(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    auto_reload=False,
    cache_size=400,
)
_ENVIRONMENT.globals["range"] = _bounded_range
_ENVIRONMENT.globals[_ROUNDS] = _bounded_rounds
del _ENVIRONMENT.globals["lipsum"]


@functools.lru_cache(maxsize=400)
def _compile(source: str) -> jinja2.Template:
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"the template is longer than {MAX_SOURCE} characters")
    try:
        tree = _ENVIRONMENT.parse(source)
        # Every loop draws its rounds from the rendering's budget.
        for loop in tree.find_all(nodes.For):
            counted = nodes.Call(
                nodes.Name(_ROUNDS, "load"), [loop.iter], [], None, None
            )
            loop.iter = counted.set_lineno(loop.lineno)
        return _ENVIRONMENT.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from None


def render_template(source: str, variables: Mapping[str, Any]) -> str:
    """``source`` rendered with ``variables``; ``TemplateError`` when it cannot be."""
    template = _compile(source)
    pieces: list[str] = []
    size = 0
    budget = _budget.set(_Budget())
    try:
        for piece in template.generate(**variables):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateError(
                    f"the rendered text is longer than {MAX_OUTPUT} characters"
                )
            pieces.append(piece)
    except TemplateError:
        raise
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"not allowed: {exc}") from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"undefined: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(str(exc) or type(exc).__name__) from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise TemplateError(f"{type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise TemplateError("the template recurses too deeply") from None
    finally:
        _budget.reset(budget)
    return "".join(pieces)


def validate_template(
    source: str, variables: Mapping[str, Any] = SAMPLE_VARIABLES
) -> str | None:
    """Why ``source`` cannot be used, or None: it parses and renders ``variables``."""
    try:
        render_template(source, variables)
    except TemplateError as exc:
        return exc.reason
    return None
