"""The web console at `/console`: static assets shipped in the package, served with a strict CSP.

The page holds no secret: the visitor signs in with a key that the browser keeps in
sessionStorage and sends as a Bearer header to the `/v1` API, like any other client.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from memrag.memory.errors import NotFound

ASSETS = Path(__file__).with_name("console")  # api/console/: index.html, app.css, console.js (built bundle)
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def served_assets(folder: Path = ASSETS) -> dict[str, Path]:
    """Asset name → file, for the files the console ships (nothing else under the folder is reachable)."""
    if not folder.is_dir():
        return {}
    return {p.name: p for p in folder.iterdir() if p.is_file() and p.suffix in MEDIA_TYPES}


@router.api_route("/console", methods=["GET", "HEAD"])
def console_root() -> Response:
    return RedirectResponse("/console/", status_code=308)


@router.api_route("/console/", methods=["GET", "HEAD"])
def console_page() -> Response:
    return _asset("index.html")


@router.api_route("/console/{name}", methods=["GET", "HEAD"])
def console_asset(name: str) -> Response:
    return _asset(name)


def _asset(name: str) -> Response:
    found = served_assets().get(name)
    if found is None:
        raise NotFound(f"the console has no file {name!r}; open /console/")
    # the bytes, not a FileResponse: the assets are small, and a file sent in chunks through this app's
    # middleware stack ended before its Content-Length under uvicorn
    return Response(found.read_bytes(), media_type=MEDIA_TYPES[found.suffix], headers=HEADERS)
