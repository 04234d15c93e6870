"""Backend names, their stages and versions: shared by the compiler (fingerprints) and the runtime
(the backend classes declare the same version; a test keeps the two in step).

Bump a version when a backend's output for the same parameters changes: every task that used it
gets a new fingerprint and is rebuilt.
"""
from __future__ import annotations

BACKENDS: dict[str, tuple[str, str]] = {
    # name: (stage, version)
    "inline-script": ("script", "1"),
    "llm-script": ("script", "1"),
    "piper": ("voice", "1"),
    "kokoro": ("voice", "1"),
    "elevenlabs": ("voice", "1"),
    "animatic": ("video", "1"),
    "assets": ("video", "1"),
    "wan": ("video", "1"),
    "assemble": ("video", "1"),
    "transition": ("video", "1"),
    "captions": ("captions", "2"),
    "music-select": ("music", "1"),
    "mix": ("mix", "1"),
    "export": ("export", "1"),
    "thumbnail": ("export", "1"),
}


def backend_version(name: str) -> str:
    return BACKENDS[name][1]
