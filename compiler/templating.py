"""Jinja2 templating of spec strings, sandboxed and strict.

Every string scalar may use `{{ var }}`; an undefined variable is an error, not an empty
string. Templates run in jinja2's SandboxedEnvironment: attribute tricks that reach Python
internals raise SecurityError, which becomes an E_SANDBOX diagnostic; nothing is executed.
Compiled templates are cached by source text, and strings without template markers are
returned untouched, so a 1000-row matrix costs little more than one video.
"""
from __future__ import annotations

import functools
import operator
import re
import unicodedata
from typing import Any, Callable, Mapping

import jinja2
from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from .diagnostics import Diagnostic, suggest
from .source import Path, SourceMap

_MARKERS = ("{{", "{%", "{#")
MAX_RESULT = 1_000_000  # characters a template may produce (`'x' * 10**9` is a spec bug, not a video)


def slug(value: Any) -> str:
    """'Café Crème 2!' -> 'cafe-creme-2': lowercase ASCII, runs of anything else become one '-'."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Env(SandboxedEnvironment):
    """The sandbox plus limits on `*` and `**`, which could otherwise hang or exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() * abs(right) > 4096:
                raise SecurityError("power result too large")
            return operator.pow(left, right)
        if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
            seq, n = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if isinstance(n, int) and len(seq) * n > MAX_RESULT:
                raise SecurityError("repetition result too large")
        return operator.mul(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        # 'x'.ljust(10**9) and friends: no method call gets a count larger than a template may produce.
        if any(isinstance(a, int) and abs(a) > MAX_RESULT for a in (*args, *kwargs.values())):
            raise SecurityError("argument too large")
        return super().call(__context, __obj, *args, **kwargs)


def _plain(v: Any) -> bool:
    if v is None or isinstance(v, (str, int, float, bool)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_plain(x) for x in v)
    if isinstance(v, dict):
        return all(_plain(k) and _plain(x) for k, x in v.items())
    return False


def _finalize(v: Any) -> Any:
    # The repr of a function or object carries a memory address: printing one would make the
    # plan differ from run to run, so only plain data may be printed.
    if not _plain(v) and not isinstance(v, jinja2.Undefined):  # Undefined raises when printed
        raise SecurityError(f"cannot print a {type(v).__name__} object, only text and numbers")
    return v


_ENV = _Env(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, finalize=_finalize)
_ENV.filters["slug"] = slug


@functools.lru_cache(maxsize=8192)
def _compile(source: str) -> jinja2.Template | TemplateSyntaxError:
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as e:
        return e  # cached too: a bad template in every matrix row is parsed once


def is_template(s: str) -> bool:
    return any(m in s for m in _MARKERS)


_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")


def render_string(source: str, variables: Mapping[str, Any]) -> tuple[str | None, tuple[str, str, str] | None]:
    """(rendered, None) or (None, (code, message, hint)). Pure: same input, same output."""
    if not is_template(source):
        return source, None
    tpl = _compile(source)
    if isinstance(tpl, TemplateSyntaxError):
        where = f" (template line {tpl.lineno})" if "\n" in source.strip("\n") and tpl.lineno else ""
        return None, ("E_TEMPLATE", f"template syntax error: {tpl.message}{where}", "")
    try:
        out = tpl.render(**variables)
    except SecurityError as e:
        return None, ("E_SANDBOX", f"template blocked by the sandbox: {e}",
                      "templates may only use variables, filters and plain expressions")
    except UndefinedError as e:
        m = _UNDEFINED.match(str(e.message or ""))
        defined = sorted(variables)
        listed = ", ".join(f"`{v}`" for v in defined) if defined else "none"
        if m:
            name = m.group(1)
            hint = suggest(name, defined, "defined variables")
            if hint.startswith("did you mean"):
                hint += f" (defined: {listed})"
            elif not defined:
                hint = "no variables are defined; add them under `vars`, a `matrix`, or --set"
            return None, ("E_UNDEFINED_VAR", f"undefined variable `{name}`", hint)
        return None, ("E_UNDEFINED_VAR", f"undefined value in template: {e.message}", f"defined variables: {listed}")
    except jinja2.TemplateError as e:
        return None, ("E_TEMPLATE", f"template failed: {e.message or type(e).__name__}", "")
    except Exception as e:  # e.g. {{ 1 / 0 }}: a user error in the template, never a traceback
        return None, ("E_TEMPLATE", f"template failed: {type(e).__name__}: {e}", "")
    if len(out) > MAX_RESULT:
        return None, ("E_SANDBOX", f"template output longer than {MAX_RESULT} characters", "")
    return out, None


def render_tree(tree: Any, variables: Mapping[str, Any], smap: SourceMap, path: Path = (),
                skip: Callable[[Path], bool] = lambda p: False) -> tuple[Any, list[Diagnostic]]:
    """Render every string scalar of tree (keys are never templated); errors point at the scalar.

    A string that fails keeps its source text so validation can go on and report more.
    """
    diags: list[Diagnostic] = []

    def walk(node: Any, p: Path) -> Any:
        if isinstance(node, str):
            out, err = render_string(node, variables)
            if err is None:
                return out
            code, message, hint = err
            diags.append(smap.at(p, code, message, hint))
            return node
        if isinstance(node, dict):
            return {k: (v if skip(p + (k,)) else walk(v, p + (k,))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, p + (i,)) for i, v in enumerate(node)]
        return node

    return walk(tree, path), diags


def referenced_names(tree: Any) -> set[str]:
    """Every variable name a template of `tree` (its string scalars) refers to."""
    from jinja2 import meta

    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str) and is_template(node):
            try:
                names.update(meta.find_undeclared_variables(_ENV.parse(node)))
            except TemplateSyntaxError:
                pass
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    return names
