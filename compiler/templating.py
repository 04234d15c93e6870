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
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jinja2
import jinja2.runtime
from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, safe_range

from . import template_limits as limits
from .diagnostics import Diagnostic, suggest
from .source import Path, SourceMap
from .template_limits import MAX_LIPSUM, MAX_RESULT, MAX_STEPS, MAX_WORK, TemplateLimit

_MARKERS = ("{{", "{%", "{#")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # the repr of a function or object: differs per run


def slug(value: Any) -> str:
    """'Café Crème 2!' -> 'cafe-creme-2': lowercase ASCII, runs of anything else become one '-'."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
    "et dolore magna aliqua."
)


def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """jinja2's lipsum, deterministic (no random generator) and bounded: n paragraphs of one
    fixed sentence."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > MAX_LIPSUM:
        raise TemplateLimit(f"lipsum({n!r}): at most {MAX_LIPSUM} paragraphs")
    paras = [_LOREM] * n
    return "\n".join(f"<p>{p}</p>" for p in paras) if html else "\n\n".join(paras)


def _limited_range(*args: int) -> range:
    limits.check_args(args, {}, MAX_RESULT)
    return safe_range(*args)


_STR_GROWERS = {"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map", "join", "replace"}


def _wrap_filter(name: str, f: Callable) -> Callable:
    @functools.wraps(f)
    def limited(*args: Any, **kwargs: Any) -> Any:
        limits.step()
        limits.check_args(args, kwargs, MAX_RESULT)
        if name == "format" and args:
            limits.check_format(next((a for a in args if isinstance(a, str)), None))
        if name in ("string", "pprint") and args:
            limits.no_callables(
                next(
                    (
                        a
                        for a in args
                        if not isinstance(a, jinja2.runtime.Context) and not isinstance(a, jinja2.nodes.EvalContext)
                    ),
                    None,
                )
            )
        if name == "indent" and args:
            text = next((a for a in args if isinstance(a, str)), "")
            width = kwargs.get("width", next((a for a in args[1:] if isinstance(a, int)), 4))
            if isinstance(width, int) and (text.count("\n") + 1) * width + len(text) > MAX_RESULT:
                raise TemplateLimit(f"indent would be larger than {MAX_RESULT} characters")
            if isinstance(width, str) and (text.count("\n") + 1) * len(width) + len(text) > MAX_RESULT:
                raise TemplateLimit(f"indent would be larger than {MAX_RESULT} characters")
        out = f(*args, **kwargs)
        if isinstance(out, (str, list, tuple, dict)):
            limits.charge(out, f"the `{name}` filter")
        return out

    return limited


def _count_iterations(iterable: Any) -> Iterator[Any]:
    for item in iterable:
        limits.step()
        yield item


class _Env(SandboxedEnvironment):
    """The sandbox plus resource limits: every loop iteration, call and filter is counted, every
    value built by `*`, `+`, `%`, `~`, a call or a filter is measured before it is kept, and the
    output is cut at MAX_RESULT characters while it is produced."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        # Loops iterate through a counter, and `a ~ b` through a measured join.
        for node in tree.find_all(nodes.For):
            node.iter = nodes.Call(
                nodes.EnvironmentAttribute("vidc_iter"), [node.iter], [], None, None, lineno=node.lineno
            )
        for cat in list(tree.find_all(nodes.Concat)):
            call = nodes.Call(
                nodes.EnvironmentAttribute("vidc_concat"), list(cat.nodes), [], None, None, lineno=cat.lineno
            )
            cat.nodes = [call]  # a Concat of one string: the join is already done, and measured
        return tree

    @staticmethod
    def vidc_iter(iterable: Any) -> Iterator[Any]:
        return _count_iterations(iterable)

    @staticmethod
    def vidc_concat(*parts: Any) -> str:
        total = 0
        texts = []
        for p in parts:
            limits.no_callables(p)
            if limits.size(p) > MAX_RESULT:
                raise TemplateLimit(f"`~` would build more than {MAX_RESULT} characters")
            t = str(p)
            total += len(t)
            if total > MAX_RESULT:
                raise TemplateLimit(f"`~` would build more than {MAX_RESULT} characters")
            texts.append(t)
        return limits.charge("".join(texts), "`~`")

    def concat(self, parts: Iterable[str]) -> str:
        out, total = [], 0
        for piece in parts:
            total += len(piece)
            if total > MAX_RESULT:
                raise TemplateLimit(f"the template produces more than {MAX_RESULT} characters")
            out.append(piece)
        return "".join(out)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        limits.step()
        if op == "**":
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() * abs(right) > 4096:
                raise TemplateLimit("power result too large")
            return operator.pow(left, right)
        if op == "*" and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
            seq, n = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if isinstance(n, int) and n > 0 and limits.size(seq, MAX_RESULT) * n > MAX_RESULT:
                raise TemplateLimit(f"repetition result larger than {MAX_RESULT}")
        if (
            op == "+"
            and isinstance(left, (str, list, tuple))
            and isinstance(right, (str, list, tuple))
            and limits.size(left) + limits.size(right) > MAX_RESULT
        ):
            raise TemplateLimit(f"`+` would build more than {MAX_RESULT} characters")
        if op == "%" and isinstance(left, str):
            limits.check_format(left)
            limits.check_args((right,), {}, MAX_RESULT)
            for x in right.values() if isinstance(right, dict) else right if isinstance(right, tuple) else (right,):
                limits.no_callables(x)
        out = self.binop_table[op](left, right)
        if isinstance(out, (str, list, tuple)):
            limits.charge(out, f"`{op}`")
        return out

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # 'x'.ljust(10**9) and friends: no call gets a count larger than a template may produce.
        limits.step()
        limits.check_args(args, kwargs, MAX_RESULT)
        owner = getattr(__obj, "__self__", None)
        if owner is None:  # jinja2 wraps str.format / format_map of a sandboxed string
            owner = getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
        if isinstance(owner, str) and getattr(__obj, "__name__", "") in _STR_GROWERS:
            limits.check_format(owner)
            if __obj.__name__ == "expandtabs":
                raise TemplateLimit("expandtabs is not allowed in templates")
            for a in (*args, *kwargs.values()):
                limits.no_callables(a) if __obj.__name__ in ("format", "format_map") else None
        out = super().call(__context, __obj, *args, **kwargs)
        if isinstance(out, (str, list, tuple, dict)):
            limits.charge(out, "a call")
        return out


def _finalize(v: Any) -> Any:
    # The repr of a function or object carries a memory address: printing one would make the
    # plan differ from run to run, so only plain data may be printed.
    if not limits.printable(v):  # Undefined raises when printed
        raise SecurityError(f"cannot print a {type(v).__name__} object, only text and numbers")
    if isinstance(v, (list, tuple, dict)) and limits.size(v) > MAX_RESULT:
        raise TemplateLimit(f"a value larger than {MAX_RESULT} characters")
    return v


_ENV = _Env(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, finalize=_finalize)
_ENV.filters["slug"] = slug
_ENV.filters = {name: _wrap_filter(name, f) for name, f in _ENV.filters.items()}
_ENV.globals["lipsum"] = lipsum
_ENV.globals["range"] = _limited_range


@functools.lru_cache(maxsize=8192)
def _compile(source: str) -> jinja2.Template | TemplateSyntaxError:
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as e:
        return e  # cached too: a bad template in every matrix row is parsed once


def is_template(s: str) -> bool:
    return any(m in s for m in _MARKERS)


LIMIT_HINT = (
    f"a template may produce {MAX_RESULT} characters, run {MAX_STEPS} loop iterations or calls, "
    f"and build {MAX_WORK} characters in all (README: Template limits)"
)

_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")


def render_string(source: str, variables: Mapping[str, Any]) -> tuple[str | None, tuple[str, str, str] | None]:
    """(rendered, None) or (None, (code, message, hint)). Pure: same input, same output."""
    if not is_template(source):
        return source, None
    tpl = _compile(source)
    if isinstance(tpl, TemplateSyntaxError):
        where = f" (template line {tpl.lineno})" if "\n" in source.strip("\n") and tpl.lineno else ""
        return None, ("E_TEMPLATE", f"template syntax error: {tpl.message}{where}", "")
    token = limits.BUDGET.set(limits.Budget())
    try:
        out = tpl.render(**variables)
    except TemplateLimit as e:
        return None, ("E_TEMPLATE_LIMIT", f"template passed a resource limit: {e}", LIMIT_HINT)
    except (MemoryError, OverflowError, RecursionError) as e:
        return None, ("E_TEMPLATE_LIMIT", f"template passed a resource limit: {type(e).__name__}", LIMIT_HINT)
    except SecurityError as e:
        return None, (
            "E_SANDBOX",
            f"template blocked by the sandbox: {e}",
            "templates may only use variables, filters and plain expressions",
        )
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
    finally:
        limits.BUDGET.reset(token)
    if len(out) > MAX_RESULT:
        return None, ("E_TEMPLATE_LIMIT", f"template output longer than {MAX_RESULT} characters", LIMIT_HINT)
    if _ADDRESS.search(out):
        return None, (
            "E_SANDBOX",
            "template printed the address of a Python object (it differs on every run)",
            "templates may only use variables, filters and plain expressions",
        )
    return out, None


def render_tree(
    tree: Any,
    variables: Mapping[str, Any],
    smap: SourceMap,
    path: Path = (),
    skip: Callable[[Path], bool] = lambda p: False,
) -> tuple[Any, list[Diagnostic]]:
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
