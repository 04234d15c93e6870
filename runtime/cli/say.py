"""`vidc say "TEXT"`: print the text as the voice will read it (numbers, currency, dates, units,
acronyms, the lexicon), its phonemes with --phonemes, and write the speech to a WAV (Piper), so a
pronunciation can be checked in a second."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import UsageError


def register(sub) -> None:
    p = sub.add_parser("say", help="print the spoken form of a text and write it as speech (Piper)")
    p.add_argument("text", help="the text, as you would write it in voiceover_text")
    p.add_argument("-o", "--output", default="say.wav", help="the WAV to write (default say.wav; '-' for none)")
    p.add_argument("--spec", help="use this project's voice.lexicon, lexicon_file and language")
    p.add_argument("--lexicon", help="a YAML file of word: respelling")
    p.add_argument("--language", default=None, help="the voice's language (default en-us)")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--phonemes", action="store_true", help="also print the phonemes Piper receives")
    p.add_argument("--raw", action="store_true", help="say the text as written (no normalisation)")
    p.set_defaults(func=run)


MAX_TEXT = 5_000  # characters `vidc say` reads (about four minutes of speech)
MAX_SPOKEN = 20_000  # characters of spoken text after the lexicon


def _read_lexicon(path: Path) -> dict[str, str]:
    """A lexicon named on the command line: a regular file (never a FIFO or device), size-capped,
    within the compiler's lexicon limits."""
    import yaml

    from vidc.compiler.lexicon import lexicon_problem

    from ..state.confine import Refused, read_text

    try:
        data = yaml.safe_load(read_text(path, what="lexicon")) or {}
    except (Refused, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read the lexicon {path}: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise UsageError(
            f"cannot read the lexicon {path}: nested too deep to be a mapping of word: respelling"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a lexicon is a mapping of word: respelling")
    problem = lexicon_problem(data)
    if problem is not None:
        raise UsageError(f"the lexicon {path} {problem[0]}")
    return {str(k): str(v) for k, v in data.items()}


def _spec_voice(spec: str) -> tuple[dict[str, str], str | None]:
    """The project's lexicon (file, then the spec's own) and language, read as the compiler reads
    them: the spec loaded and checked, lexicon_file confined to the project and a regular file."""
    from vidc.compiler.frontend import load_project
    from vidc.compiler.lexicon import read_lexicon_file

    from ..host.sources import find_spec, project_sources

    src, _ = project_sources(find_spec(spec))
    videos, diags = load_project(src, {})
    if videos:
        lexicon, more = read_lexicon_file(videos[0], src)
        diags = diags + more
    errors = [d for d in diags if d.severity == "error"]
    if errors or not videos:
        first = errors[0].format().splitlines()[0] if errors else f"{spec}: no video"
        raise UsageError(f"{first} (fix the spec, or leave out --spec)")
    voice = videos[0].spec.voice
    return {**lexicon, **voice.lexicon}, voice.language


def _print_changes(items: list[tuple[str, str]]) -> None:
    """Each written item the normaliser changed, and what the voice says for it (punctuation aside), on
    standard error: standard output stays the spoken text alone, for pipes and scripts."""
    strip = "\"'“‘([{«¿¡”’)]}».,;:!?…"
    changed = [(w, s) for w, s in items if w.strip(strip) != s.strip(strip)]
    if not changed:
        return
    width = min(max(len(w) for w, _ in changed), 32)
    print(file=sys.stderr)
    print(f"  {'written':<{width}}  spoken", file=sys.stderr)
    for w, s in changed:
        print(f"  {w:<{width}}  {s}", file=sys.stderr)


def run(args) -> int:
    from vidc.compiler.lexicon import spoken_length
    from vidc.compiler.speech import normalise

    if len(args.text) > MAX_TEXT:
        raise UsageError(
            f"the text is {len(args.text)} characters; `vidc say` reads at most {MAX_TEXT} (say a scene at a time)"
        )
    lexicon: dict[str, str] = {}
    language = args.language
    if args.spec:
        lexicon, spec_language = _spec_voice(args.spec)
        language = language or spec_language
    if args.lexicon:
        lexicon.update(_read_lexicon(Path(args.lexicon)))
    if not args.raw and (n := spoken_length([args.text], lexicon)) > MAX_SPOKEN:
        raise UsageError(
            f"with the lexicon the spoken text would be {n} characters; `vidc say` says at most {MAX_SPOKEN}"
        )
    said = None if args.raw else normalise(args.text, language or "en-us", lexicon)
    spoken = args.text if said is None else said.text
    print(spoken)
    if said is not None:
        _print_changes(said.items())
    if not args.phonemes and args.output == "-":
        return 0
    from vidc.runtime.media.piper_voice import PiperSynth

    synth = PiperSynth()
    if args.phonemes:
        voice = synth._voice()
        for sentence in voice.phonemize(spoken):
            print("".join(sentence), file=sys.stdout)
    if args.output != "-":
        res = synth.synthesize(spoken, args.speed, args.output)
        print(f"wrote {args.output} ({res['duration_ms'] / 1000:.2f} s)", file=sys.stderr)
    return 0
