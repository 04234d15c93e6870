"""`vidc review --serve`: the review site over http on 127.0.0.1 (browsers load caption tracks only
over http). It serves the site's own files and nothing else: an allow-list made from the pages it
generated (the pages, their stylesheet and script, the pictures it rendered, the MP4s and caption
tracks they link), by exact path. No directory listing, no other file of the folders around it, no
symlink swapped in since (each file is checked again when asked for), and a request whose `Host` is
not this server's own name is refused (a DNS-rebinding page cannot read the site)."""

from __future__ import annotations

import errno
import mimetypes
import os
import stat
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..state.confine import is_inside

HOST = "127.0.0.1"


class ServeError(Exception):
    """The server cannot start (a busy port): one line for the command line."""


def routes(files: list[tuple[Path, Path]]) -> tuple[dict[str, Path], Path]:
    """URL path -> resolved file, for (root, file) pairs whose file resolves inside its root and is a
    regular file; and the folder the URLs are relative to (where the pages' relative links meet)."""
    found: list[Path] = []
    for root, f in files:
        real = f.resolve()
        if is_inside(real, root.resolve()) and real.is_file():
            found.append(real)
    if not found:
        return {}, Path("/")
    base = Path(os.path.commonpath([p.parent for p in found]))
    return {"/" + p.relative_to(base).as_posix(): p for p in found}, base


class _Handler(BaseHTTPRequestHandler):
    server_version = "vidc-review"
    files: dict[str, Path] = {}
    start = "/"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        if host not in {HOST, "localhost", f"{HOST}:{port}", f"localhost:{port}"}:
            self.send_error(421, "unknown host: this server answers only to 127.0.0.1 and localhost")
            return
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self.send_response(302)
            self.send_header("Location", quote(self.start))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        target = self.files.get(path)
        if target is None or target.resolve() != target:  # not the site's, or a link swapped in since
            self.send_error(404, "not a file of the review site")
            return
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            self.send_error(404, "not a file of the review site")
            return
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                self.send_error(404, "not a file of the review site")
                return
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(target.name)[0] or "application/octet-stream")
            self.send_header("Content-Length", str(st.st_size))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            while body and (chunk := fh.read(1 << 20)):
                self.wfile.write(chunk)


def make_server(files: dict[str, Path], start: str, port: int) -> ThreadingHTTPServer:
    """A server of exactly `files` (URL path -> file) on 127.0.0.1:port (0: any free port)."""
    if not 0 <= port <= 65535:
        raise ValueError(f"--port {port}: a port is 0 (any free one) to 65535")
    handler = type("SiteHandler", (_Handler,), {"files": dict(files), "start": start})
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror or exc})"
        raise ServeError(
            f"port {port} on {HOST} {why}: pick another with --port, or --port 0 for any free one"
        ) from None


def serve(files: dict[str, Path], start: str, port: int, open_browser: bool) -> None:
    """Serve until Ctrl-C."""
    import webbrowser

    with make_server(files, start, port) as httpd:
        url = f"http://{HOST}:{httpd.server_address[1]}{quote(start)}"
        print(f"serving the review at {url} (Ctrl-C to stop)", flush=True)
        if open_browser:
            webbrowser.open(url)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
