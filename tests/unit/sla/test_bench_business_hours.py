"""The business-hours benchmark runs and prints what its docstring promises."""

import pytest

from bench.business_hours import main


def test_the_benchmark_prints_the_machine_and_a_rate_per_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--calls", "20", "--repeats", "1"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("machine   ")
    assert "cores" in lines[0]
    assert "Python 3.11" in lines[0]
    assert lines[3].startswith("5 business days: budget + due")
    assert len(lines) == 10
