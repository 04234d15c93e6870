"""`vidc captions styles`: the caption styles a spec can name in `captions.style`."""

from __future__ import annotations

import io
import sys

from vidc.compiler.layout import caption_box, caption_style, caption_styles, safe_area


def register(sub) -> None:
    p = sub.add_parser("captions", help="caption styles")
    csub = p.add_subparsers(dest="captions_command", required=True)
    q = csub.add_parser("styles", help="list the caption styles `captions.style` can name")
    q.set_defaults(func=run)


def run(args) -> int:
    styles = caption_styles()
    out = io.StringIO()  # one write: a reader that stops early (| head) sees no half-written table
    out.write(f"{'style':<10} {'kind':<13} {'font':<22} 1080p   shorts  look\n")
    for name in sorted(styles):
        st = caption_style(name)
        kind = "word by word" if st.get("words") else "line"
        font = f"{st.get('font', 'DejaVu Sans')}{' Bold' if st.get('bold') else ''}"
        land = caption_box(st, 1920, 1080, safe_area("youtube-1080p", 1920, 1080))["size"]
        tall = caption_box(st, 1080, 1920, safe_area("shorts", 1080, 1920))["size"]
        look = "boxed" if st.get("box") else "outlined"
        if st.get("words"):
            look += f", spoken word in {st.get('highlight_colour', '#FFD23F')}"
        out.write(f"{name:<10} {kind:<13} {font:<22} {land:>3} px  {tall:>3} px  {look}\n")
    out.write(
        "\nsizes are the ASS font size at 1920x1080 and 1080x1920; a scene with a word too wide for a line is set"
        "\nsmaller (down to min_scale). Styles live in templates/caption_styles.yaml.\n"
    )
    try:
        sys.stdout.write(out.getvalue())
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0
