"""QR images of ticket codes (PNG and SVG), cached: a code never changes, nor does its image.

Two cache levels: an in-process LRU for the hot path, and files under
`instance/qr-cache/` so a restarted process does not redraw every ticket.

Every confirmation mail draws a new code (the outbox worker, beside the requests), so
drawing is kept cheap: one fixed mask pattern instead of trying all eight, the version
from the code's length, and the PNG written row by row at its final size.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from functools import lru_cache
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import current_app
from qrcode.util import MODE_8BIT_BYTE, QRData

from festa.core.files import write_private

# M recovers ~15 % damage (a scratched phone screen); the contract asks for M or better.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
BOX_SIZE = 10  # pixels per module in the PNG: 490 px for a ticket code (version 6)
BORDER = 4  # the quiet zone the QR standard requires, in modules
MAX_VERSION = 10
# The standard lets the encoder pick any of 8 masks (every decoder reads them all); qrcode
# would draw the symbol 8 times to score each (≈ 80 % of drawing a code). Pattern 2 scored
# best, or within a few percent of the best, on random ticket codes.
MASK_PATTERN = 2


@lru_cache(maxsize=8)
def _version(length: int) -> int:
    """The smallest version holding `length` bytes at ERROR_CORRECTION (byte mode)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION)
    qr.add_data(QRData(b"\0" * length, mode=MODE_8BIT_BYTE))
    return qr.best_fit()


def _qr(code: str) -> qrcode.QRCode:
    # One byte-mode segment (a code is URL-safe ASCII): its version follows from its length.
    data = QRData(code.encode("ascii"), mode=MODE_8BIT_BYTE)
    qr = qrcode.QRCode(version=_version(len(data)), error_correction=ERROR_CORRECTION,
                       box_size=BOX_SIZE, border=BORDER, mask_pattern=MASK_PATTERN)
    qr.add_data(data)
    qr.make(fit=False)
    return qr


def qr_version(code: str) -> int:
    """The QR version (size) the code needs at error correction M."""
    return _qr(code).version


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(qr: qrcode.QRCode) -> bytes:
    """The symbol with its quiet zone as a 1-bit greyscale PNG, BOX_SIZE pixels a module:
    each row of modules becomes one packed pixel row, repeated BOX_SIZE times (drawing
    every module as a rectangle, as qrcode's PIL image does, costs several times more)."""
    matrix = qr.get_matrix()  # with the border; True = dark
    width = len(matrix) * BOX_SIZE
    padding = "1" * (-width % 8)  # a pixel row fills whole bytes
    dark, light = "0" * BOX_SIZE, "1" * BOX_SIZE  # 0 is black in a greyscale PNG
    rows = []
    for modules in matrix:
        bits = "".join(dark if module else light for module in modules) + padding
        rows += [b"\0" + int(bits, 2).to_bytes(len(bits) // 8, "big")] * BOX_SIZE  # filter 0
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"".join(rows))) + _png_chunk(b"IEND", b""))


def _render(code: str, fmt: str) -> bytes:
    qr = _qr(code)
    if fmt == "png":
        return _png(qr)
    buffer = io.BytesIO()
    qr.make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(buffer)
    return buffer.getvalue()


def _cache_path(code: str, fmt: str) -> Path:
    digest = hashlib.sha256(code.encode("ascii")).hexdigest()
    return Path(current_app.instance_path) / "qr-cache" / digest[:2] / f"{digest}.{fmt}"


def etag_for(code: str, fmt: str) -> str:
    """A strong ETag: the image depends only on the code, the format and these settings."""
    key = f"{code}|{fmt}|{ERROR_CORRECTION}|{BOX_SIZE}|{BORDER}|{MASK_PATTERN}"
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
