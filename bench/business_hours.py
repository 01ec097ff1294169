"""Benchmark: business-hours arithmetic, in one process.

    uv run python bench/business_hours.py [--calls 50000] [--repeats 5]

Each case runs ``--calls`` computations from random starts spread over 2016-2025
(seeded, so runs compare), once unmeasured so every year table is built, then
``--repeats`` measured times. It prints the machine and, per case, computations
per second from the best and the median repeat, by wall clock and by this
process's CPU time (the CPU figure is the steadier one on a shared machine).

The headline case is a 5-business-day budget on a Berlin calendar with lunch
breaks, one-off, yearly and Bavarian public holidays and a Christmas Eve
override: ``clock.due(start, clock.budget_seconds(start, 5, DurationUnit.DAY))``,
the budget converted at the start and the deadline computed from it. Its target
is 50,000 per second.
"""

import argparse
import contextlib
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from desk_sla.domain.business_time import BusinessClock, DurationUnit, business_clock
from desk_sla.domain.calendar import calendar_from_document
from desk_sla.domain.opening_year import build_year

TARGET_PER_S = 50_000
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "hours": {day: [["08:00", "12:00"], ["13:00", "17:30"]] for day in WORKDAYS},
    "holidays": ["2016-11-01", "2019-06-20", "--12-24", "--12-31"],
    "overrides": {"2018-12-24": [["08:00", "12:00"]]},
    "regional_holidays": {"country": "DE", "subdivision": "BY"},
}
NIGHT_SHIFT: dict[str, Any] = {
    "timezone": "America/New_York",
    "hours": {
        "mon": [["22:00", "24:00"]],
        **{day: [["00:00", "06:00"], ["22:00", "24:00"]] for day in WORKDAYS[1:]},
        "sat": [["00:00", "06:00"]],
    },
    "regional_holidays": {"country": "US"},
}


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[datetime], object]


@dataclass(frozen=True)
class Rates:
    best_wall: float
    median_wall: float
    best_cpu: float
    median_cpu: float


def cases(office: BusinessClock, night: BusinessClock) -> list[Case]:
    """The computations measured, headline first."""
    always = business_clock(None)
    day = DurationUnit.DAY
    week_of_office = 5 * 8.5 * 3600
    return [
        Case(
            "5 business days: budget + due (lunch breaks, holidays)",
            lambda start: office.due(start, office.budget_seconds(start, 5, day)),
        ),
        Case("due only, 42.5 business hours", lambda s: office.due(s, week_of_office)),
        Case(
            "business seconds over a week",
            lambda s: office.business_seconds_between(s, s + timedelta(days=7)),
        ),
        Case("overnight shift, due 8 business hours", lambda s: night.due(s, 28_800)),
        Case("no calendar (24/7), due 5 days", lambda s: always.due(s, 5 * 86_400)),
    ]


def random_starts(count: int) -> list[datetime]:
    """Instants to the microsecond spread over 2016-2025, the same every run."""
    rng = random.Random(20161101)
    first = datetime(2016, 1, 1, tzinfo=UTC)
    span = 10 * 365 * 86_400 * 1_000_000
    return [first + timedelta(microseconds=rng.randrange(span)) for _ in range(count)]


def measure(case: Case, starts: Sequence[datetime], repeats: int) -> Rates:
    """Computations per second of ``case`` over ``starts``, ``repeats`` times."""
    for start in starts:
        case.run(start)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for start in starts:
            case.run(start)
        walls.append(len(starts) / (time.perf_counter() - wall))
        cpus.append(len(starts) / max(time.process_time() - cpu, 1e-9))
    return Rates(
        max(walls), statistics.median(walls), max(cpus), statistics.median(cpus)
    )


def year_tables_per_second(document: Mapping[str, Any], years: int = 40) -> float:
    """How fast a calendar's year tables are built (the cost of a first use)."""
    calendar = calendar_from_document(document)
    build_year(calendar, calendar.zone, 1999)  # loads the holidays' country module
    started = time.process_time()
    for year in range(2000, 2000 + years):
        build_year(calendar, calendar.zone, year)
    return years / (time.process_time() - started)


def _first(path: str, key: str) -> str | None:
    with contextlib.suppress(OSError), open(path) as lines:
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    return None


def machine() -> str:
    """CPU model, cores, memory, Python and load, on one line."""
    memory = _first("/proc/meminfo", "MemTotal")
    gib = f"{int(memory.split()[0]) / 1024**2:.1f} GiB" if memory else "unknown"
    cpu = _first("/proc/cpuinfo", "model name") or platform.processor()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu}; {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable); "
        f"{gib} memory; Python {platform.python_version()} "
        f"({platform.python_implementation()}); load average {load}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    office = business_clock(calendar_from_document(OFFICE))
    night = business_clock(calendar_from_document(NIGHT_SHIFT))
    starts = random_starts(args.calls)

    print(f"machine   {machine()}")
    print(f"calls     {args.calls} per repeat, {args.repeats} repeats, one process")
    print(f"{'case':58} {'best/s':>9} {'median/s':>9} {'cpu best/s':>10}")
    for number, case in enumerate(cases(office, night)):
        rates = measure(case, starts, args.repeats)
        mark = ""
        if number == 0:
            mark = "  ok" if rates.best_wall >= TARGET_PER_S else "  BELOW TARGET"
        print(
            f"{case.name:58} {rates.best_wall:9,.0f} {rates.median_wall:9,.0f} "
            f"{rates.best_cpu:10,.0f}{mark}"
        )
    tables = year_tables_per_second(OFFICE)
    print(f"{'year tables built (first use of a year), cpu':58} {tables:9,.0f}")
    print(f"target    {TARGET_PER_S:,}/s for the first case")


if __name__ == "__main__":
    main()
