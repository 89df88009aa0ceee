"""QR images of ticket codes (PNG and SVG), cached: a code never changes, nor does its image.

Two cache levels: an in-process LRU for the hot path, and files under
`instance/qr-cache/` so a restarted process does not redraw every ticket.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import current_app

from festa.core.files import write_private

# M recovers ~15 % damage (a scratched phone screen); the contract asks for M or better.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
BOX_SIZE = 10  # pixels per module in the PNG: ~450 px for a version-7 code
BORDER = 4  # the quiet zone the QR standard requires, in modules
MAX_VERSION = 10


def _qr(code: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=BOX_SIZE, border=BORDER)
    qr.add_data(code)
    qr.make(fit=True)
    return qr


def qr_version(code: str) -> int:
    """The QR version (size) the code needs at error correction M."""
    return _qr(code).version


def _render(code: str, fmt: str) -> bytes:
    qr = _qr(code)
    buffer = io.BytesIO()
    if fmt == "png":
        qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    else:
        qr.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buffer)
    return buffer.getvalue()


def _cache_path(code: str, fmt: str) -> Path:
    digest = hashlib.sha256(code.encode("ascii")).hexdigest()
    return Path(current_app.instance_path) / "qr-cache" / digest[:2] / f"{digest}.{fmt}"


def etag_for(code: str, fmt: str) -> str:
    """A strong ETag: the image depends only on the code, the format and these settings."""
    key = f"{code}|{fmt}|{ERROR_CORRECTION}|{BOX_SIZE}|{BORDER}"
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:32]


@lru_cache(maxsize=512)
def _cached(code: str, fmt: str, cache_dir: str) -> bytes:
    path = _cache_path(code, fmt)
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = _render(code, fmt)
    try:
        write_private(path, data)
    except OSError:
        current_app.logger.warning("QR cache not writable: %s", path.parent)
    return data


def qr_png(code: str) -> bytes:
    """The code as a black-on-white PNG with its quiet zone."""
    return _cached(code, "png", current_app.instance_path)


def qr_svg(code: str) -> bytes:
    """The code as a scalable SVG (one path), for print and crisp screens."""
    return _cached(code, "svg", current_app.instance_path)
