"""The pronunciation lexicon (`voice.lexicon`, `voice.lexicon_file`): read through the project's
reader (confined, regular files only) and bounded by counted limits, like the template sandbox, so
that the same spec gets the same verdict on any machine and a respelling repeated thousands of times
cannot exhaust memory: the spoken text is measured before it is built."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Any

from vidc.schemas.spec import Scene

from .diagnostics import Diagnostic
from .frontend import LoadedVideo, SourceFiles
from .speech import DEFAULT_LEXICON

MAX_ENTRIES = 10_000  # words in one lexicon
MAX_RESPELLING = 1_000  # characters of one respelling
MAX_SPOKEN = 1_000_000  # characters of spoken text in one video (the template sandbox's output limit)
HINT = "a lexicon file is a mapping of word: respelling, e.g. `vidc: vid see`"
_EDGE = re.compile(r"^\W+|\W+$")


def lexicon_problem(lexicon: dict[str, Any]) -> tuple[str, str | None] | None:
    """Why a lexicon breaks a limit: (message, the word at fault or None), else None. Only words and
    respellings that are plain text or numbers are measured (a nested YAML alias is never printed)."""
    if not all(isinstance(v, (str, int, float)) and isinstance(k, (str, int, float)) for k, v in lexicon.items()):
        return "is not a mapping of word -> respelling (a respelling is text)", None
    if len(lexicon) > MAX_ENTRIES:
        return f"has {len(lexicon)} words; at most {MAX_ENTRIES} are allowed", None
    for word, said in lexicon.items():
        if len(str(said)) > MAX_RESPELLING:
            return (
                f"respells `{str(word)[:40]}` with {len(str(said))} characters; a respelling has at most "
                f"{MAX_RESPELLING}",
                str(word),
            )
    return None


def spoken_length(texts: Iterable[str], lexicon: dict[str, str]) -> int:
    """How long the spoken text of `texts` gets with the lexicon, counted word by word without
    building it (a word the lexicon does not name counts as written)."""
    lex = {k.lower(): len(v) for k, v in {**DEFAULT_LEXICON, **lexicon}.items()}
    total = 0
    for text in texts:
        for tok in text.split():
            total += lex.get(_EDGE.sub("", tok).lower(), len(tok)) + 1
    return total


def read_lexicon_file(video: LoadedVideo, src: SourceFiles) -> tuple[dict[str, str], list[Diagnostic]]:
    """`voice.lexicon_file`: a YAML (or JSON) mapping word -> respelling, relative to the spec."""
    import yaml

    name = video.spec.voice.lexicon_file
    if not name:
        return {}, []
    path = posixpath.normpath(posixpath.join(posixpath.dirname(src.spec_name), name))
    line, col = video.locate(("voice", "lexicon_file"))

    def bad(msg: str) -> tuple[dict[str, str], list[Diagnostic]]:
        return {}, [Diagnostic(file=video.file, line=line, col=col, code="E_LEXICON", message=msg, hint=HINT)]

    try:
        data = yaml.safe_load(src.read(path))
    except FileNotFoundError:
        return bad(f"lexicon file `{name}` not found")
    except yaml.YAMLError as exc:
        return bad(f"lexicon file `{name}` is not valid YAML: {str(exc).splitlines()[0]}")
    except (OSError, ValueError) as exc:  # a folder, FIFO or device; over the size limit; not UTF-8
        return bad(f"lexicon file `{name}` cannot be read: {exc}")
    except RecursionError:  # thousands of nested brackets: no lexicon is shaped like that
        return bad(f"lexicon file `{name}` is nested too deep to be a mapping of word -> respelling")
    if data is None:
        return {}, []
    if not isinstance(data, dict) or not all(isinstance(v, (str, int, float)) for v in data.values()):
        return bad(f"lexicon file `{name}` is not a mapping of word -> respelling")
    problem = lexicon_problem(data)
    if problem is not None:
        return bad(f"lexicon file `{name}` {problem[0]}")
    return {str(k): str(v) for k, v in data.items()}, []


def check_lexicon(video: LoadedVideo, texts: list[str], from_file: dict[str, str]) -> list[Diagnostic]:
    """The spec's own lexicon within the limits, and the video's spoken text under MAX_SPOKEN."""
    inline = video.spec.voice.lexicon
    problem = lexicon_problem(inline)
    if problem is not None:
        at = ("voice", "lexicon", problem[1]) if problem[1] is not None else ("voice", "lexicon")
        return [
            video.diagnostic(
                at,
                "E_LEXICON",
                f"voice.lexicon {problem[0]}",
                "a respelling says how one word sounds, e.g. `vidc: vid see`",
            )
        ]
    n = spoken_length(texts, {**from_file, **inline})
    if n > MAX_SPOKEN:
        return [
            video.diagnostic(
                ("voice", "lexicon"),
                "E_LEXICON",
                f"with the lexicon the spoken text of `{video.spec.name}` would be {n} characters; at most "
                f"{MAX_SPOKEN} are allowed",
                "shorten the respellings or the voiceover text",
            )
        ]
    return []


def read_lexicon(
    video: LoadedVideo, src: SourceFiles, scenes: list[Scene] | None
) -> tuple[dict[str, str], list[Diagnostic], bool]:
    """The lexicon file's words, every lexicon diagnostic, and whether a limit was passed (then the
    video's spoken text must not be built)."""
    lexicon, diags = read_lexicon_file(video, src)
    limits = check_lexicon(video, [s.voiceover_text for s in scenes or []], lexicon)
    return lexicon, diags + limits, any(d.severity == "error" for d in limits)
