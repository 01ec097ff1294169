"""Administrators' message templates render as text in a sandbox, or say why not."""

import pytest
from desk_infra.templates import (
    MAX_OUTPUT,
    MAX_SOURCE,
    SAMPLE_VARIABLES,
    TemplateError,
    render_template,
    validate_template,
)


def test_renders_the_sample_variables_as_text() -> None:
    source = (
        "{{ recipient.name }}: {{ ticket.reference }} ({{ ticket.priority }}) "
        "reaches its {{ sla.point }} at {{ sla.due_at }} <{{ ticket.url }}>"
    )
    assert render_template(source, SAMPLE_VARIABLES) == (
        "Grace Hopper: SR-2026-0042 (High) reaches its warning at "
        "2026-12-04 08:30 UTC "
        "<https://desk.example.com/tickets/0b8f6f3e-6c1a-4f4e-9a59-1d2a3c4b5e6f>"
    )


def test_text_is_not_html_escaped() -> None:
    variables = {"ticket": {"subject": "<b>Tom & Jerry</b>"}}
    assert render_template("{{ ticket.subject }}", variables) == "<b>Tom & Jerry</b>"


def test_filters_conditions_and_loops_work() -> None:
    source = (
        "{% if sla.point == 'breach' %}Breached{% else %}Soon{% endif %}: "
        "{{ sla.name | upper }}{% for n in range(3) %}.{% endfor %}"
    )
    assert render_template(source, SAMPLE_VARIABLES) == (
        "Soon: FIRST RESPONSE, BUSINESS HOURS..."
    )


def test_the_trailing_newline_is_kept() -> None:
    assert render_template("Hello\n", {}) == "Hello\n"


def test_a_valid_template_has_no_reason() -> None:
    assert validate_template("{{ ticket.subject }} / {{ sla.remaining }}") is None


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ ticket.subjet }}", "undefined: 'dict object' has no attribute 'subjet'"),
        ("{{ customer }}", "undefined: 'customer' is undefined"),
        ("{% if %}", "line 1: Expected an expression"),
        ("Hi\n{{ ticket.subject ", "line 2: unexpected end of template"),
        ("{% for x in ticket %}", "line 1: Unexpected end of template"),
        ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
        ("{{ ticket.subject + 1 }}", "TypeError"),
        ("{{ lipsum() }}", "undefined: 'lipsum' is undefined"),
    ],
)
def test_a_template_that_does_not_render_says_why(source: str, reason: str) -> None:
    found = validate_template(source)
    assert found is not None
    assert found.startswith(reason), found


@pytest.mark.parametrize(
    "source",
    [
        "{{ ticket.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
        "{{ range.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ ticket.items.__self__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ ticket.subject.format.__globals__ }}",
        "{{ '{0.__class__}'.format(ticket) }}",
        "{{ ticket.update({'subject': 'changed'}) }}{{ ticket.subject }}",
    ],
)
def test_sandbox_escapes_are_refused(source: str) -> None:
    variables = {"ticket": {"subject": "s", "reference": "r"}}
    with pytest.raises(TemplateError) as refused:
        render_template(source, variables)
    assert refused.value.reason.startswith(("not allowed", "undefined")), (
        refused.value.reason
    )
    assert variables["ticket"]["subject"] == "s"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 2 ** 1000 }}", "the exponent 1000 is above 64"),
        ("{{ (10 ** 64) ** 64 }}", "the power would have more than 4096 bits"),
        ("{{ 'x' * 1000000000 }}", "repeating 1 items 1000000000 times"),
        ("{{ [0] * 1000000000 }}", "repeating 1 items 1000000000 times"),
        ("{% for i in range(100000) %}{% endfor %}", "the loops ask range for more"),
        (
            "{% for i in range(5000) %}{% for j in range(5000) %}"
            "{% endfor %}{% endfor %}",
            "the loops ask range for more",
        ),
        (
            "{% set s = 'x' * 50000 %}{% for a in s %}{% for b in s %}"
            "{% endfor %}{% endfor %}",
            "the loops run more than 100000 rounds",
        ),
        (
            "{% set s = 'x' * 50000 %}{% for a in s %}{{ s }}{% endfor %}",
            "the rendered text is longer than",
        ),
        (
            "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
            "the template recurses too deeply",
        ),
    ],
)
def test_runaway_templates_are_stopped(source: str, reason: str) -> None:
    found = validate_template(source)
    assert found is not None
    assert found.startswith(reason), found


def test_a_template_may_not_be_too_long() -> None:
    assert validate_template("x" * (MAX_SOURCE + 1)) == (
        f"the template is longer than {MAX_SOURCE} characters"
    )
    assert validate_template("x" * MAX_SOURCE) is None


def test_output_up_to_the_limit_renders() -> None:
    assert len(render_template("{{ 'x' * n }}", {"n": MAX_OUTPUT})) == MAX_OUTPUT


def test_each_rendering_has_its_own_loop_budget() -> None:
    source = "{% for i in range(6000) %}{% endfor %}done"
    assert render_template(source, {}) == "done"
    assert render_template(source, {}) == "done"
