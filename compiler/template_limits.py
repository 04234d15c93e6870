"""Resource limits of one template render: steps and work counted in a per-render budget, sizes of the
values a template builds, and the values it may not turn into text. Pure: counted, never timed."""

from __future__ import annotations

import contextvars
import re
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

# Resource limits of one template render (docs/guide/spec.md, "Template limits"). They are counted, never
# timed: the compiler reads no clock, and the same spec gives the same verdict on any machine.
MAX_RESULT = 1_000_000  # characters a template may produce, and the size of any value it builds
MAX_STEPS = 200_000  # loop iterations, calls and filter applications of one render
MAX_WORK = 10_000_000  # characters (and list items) all operations of one render may build in total
MAX_LIPSUM = 100  # paragraphs of `lipsum(n)`
BIG_NUMBER = re.compile(r"\d{7,}")  # a width or precision of a million or more, in a format string


class TemplateLimit(SecurityError):
    """A template passed one of its resource limits: E_TEMPLATE_LIMIT."""


class Budget:
    __slots__ = ("steps", "work")

    def __init__(self) -> None:
        self.steps = 0
        self.work = 0


BUDGET: contextvars.ContextVar[Budget] = contextvars.ContextVar("vidc_template_budget")


def budget() -> Budget:
    try:
        return BUDGET.get()
    except LookupError:  # a render outside render_string (tests): a budget of its own
        b = Budget()
        BUDGET.set(b)
        return b


def step(n: int = 1) -> None:
    b = budget()
    b.steps += n
    if b.steps > MAX_STEPS:
        raise TemplateLimit(f"more than {MAX_STEPS} loop iterations or calls")


SCALARS = frozenset({int, float, bool, type(None)})


def size(v: Any, cap: int = MAX_RESULT) -> int:
    """How big a value is (characters of text, items of lists, nested), counted up to cap + 1."""
    total, stack = 0, [v]
    while stack:
        x = stack.pop()
        if isinstance(x, (str, bytes)):
            total += len(x)
        elif isinstance(x, (list, tuple)):
            total += 1 + len(x)  # each item counts once; text and containers inside count again
            nested = [i for i in x if type(i) not in SCALARS]
            if nested:
                stack.extend(nested)
        elif isinstance(x, dict):
            total += 1 + len(x)
            stack.extend(i for i in (*x.keys(), *x.values()) if type(i) not in SCALARS)
        else:
            total += 1
        if total > cap:
            return cap + 1
    return total


def charge(v: Any, what: str) -> Any:
    n = size(v)
    if n > MAX_RESULT:
        raise TemplateLimit(f"{what} would be larger than {MAX_RESULT} characters")
    b = budget()
    b.work += n
    if b.work > MAX_WORK:
        raise TemplateLimit(f"the template builds more than {MAX_WORK} characters in all")
    return v


def check_format(fmt: Any) -> None:
    if isinstance(fmt, str) and any(int(m) > MAX_RESULT for m in BIG_NUMBER.findall(fmt)):
        raise TemplateLimit(f"a format width or precision larger than {MAX_RESULT}")


def check_args(args: tuple, kwargs: dict, limit: int = MAX_RESULT) -> None:
    for a in (*args, *kwargs.values()):
        if isinstance(a, bool):
            continue
        if isinstance(a, int) and abs(a) > limit:
            raise TemplateLimit(f"a count of {a} (the limit is {limit})")
        if isinstance(a, (tuple, list)) and len(a) <= 64:
            check_args(tuple(a), {}, limit)


def plain(v: Any) -> bool:
    if v is None or isinstance(v, (str, int, float, bool)):
        return True
    if isinstance(v, (list, tuple)):
        return all(plain(x) for x in v)
    if isinstance(v, dict):
        return all(plain(k) and plain(x) for k, x in v.items())
    return False


def printable(v: Any) -> bool:
    """Text, numbers, and containers of them; a range prints the same on every machine."""
    return plain(v) or isinstance(v, (range, jinja2.Undefined))


def no_callables(v: Any) -> None:
    if not printable(v) and (callable(v) or not isinstance(v, (dict, list, tuple))):
        # The repr of a function or object carries a memory address: the plan would differ per run.
        raise SecurityError(f"cannot turn a {type(v).__name__} object into text, only text and numbers")
