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


def _read_lexicon(path: Path) -> dict[str, str]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read the lexicon {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a lexicon is a mapping of word: respelling")
    return {str(k): str(v) for k, v in data.items()}


def run(args) -> int:
    from vidc.compiler.speech import normalise

    lexicon: dict[str, str] = {}
    language = args.language
    if args.spec:
        import yaml

        spec_path = Path(args.spec)
        try:
            voice = (yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}).get("voice") or {}
        except (OSError, yaml.YAMLError, AttributeError) as exc:
            raise UsageError(f"cannot read {spec_path}: {exc}") from exc
        if voice.get("lexicon_file"):
            lexicon.update(_read_lexicon(spec_path.parent / voice["lexicon_file"]))
        lexicon.update({str(k): str(v) for k, v in (voice.get("lexicon") or {}).items()})
        language = language or voice.get("language")
    if args.lexicon:
        lexicon.update(_read_lexicon(Path(args.lexicon)))
    spoken = args.text if args.raw else normalise(args.text, language or "en-us", lexicon).text
    print(spoken)
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
