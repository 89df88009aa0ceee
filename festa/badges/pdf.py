"""Name badges as PDF, drawn with fpdf2 and Noto Sans KR embedded (subset), so Korean and
Latin names print the same on any printer.

One badge: the event's name on top, the name set large (as the attendee wrote it: 김민지,
Minji Kim), the organisation, the ticket QR code, and along the bottom a coloured band
with the answer to the layout's chosen question (e.g. 소속 유형).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from fpdf import FPDF

from festa.badges.models import BadgeSize

# Badge sizes in mm (width, height) and how many fit on an A4 sheet (2 columns).
SIZES = {BadgeSize.CARD: (90.0, 55.0), BadgeSize.A6: (105.0, 148.0)}
MAX_PER_SHEET = {BadgeSize.CARD: 8, BadgeSize.A6: 4}
A4 = (210.0, 297.0)
FONT_FILES = {"": "NotoSansKR-Regular.otf", "B": "NotoSansKR-Bold.otf"}
# Debian's fonts-nanum, where the vendored font is missing (e.g. before `make assets`).
FALLBACK_FONTS = {"": "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
                  "B": "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"}


@dataclass(frozen=True)
class Badge:
    """What one badge shows (no database objects: drawn the same from anywhere)."""

    event_name: str
    name: str
    organization: str = ""
    band_text: str = ""
    band_color: str = ""
    qr_png: bytes | None = None


def font_paths() -> dict[str, str]:
    """The Hangul font files: vendored Noto Sans KR, else Debian's Nanum Gothic."""
    vendored = Path(current_app.static_folder) / "vendor" / "fonts"
    if all((vendored / name).is_file() for name in FONT_FILES.values()):
        return {style: str(vendored / name) for style, name in FONT_FILES.items()}
    if all(Path(path).is_file() for path in FALLBACK_FONTS.values()):
        return dict(FALLBACK_FONTS)
    raise RuntimeError("no Hangul font for badges: run `make assets` (Noto Sans KR)")


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#") if color else "3355aa"
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _text_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on the band's colour."""
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (0, 0, 0) if luminance > 150 else (255, 255, 255)


def _fit(pdf: FPDF, text: str, width: float, largest: float, smallest: float) -> float:
    """The largest font size (pt) at which `text` fits `width` mm."""
    size = largest
    while size > smallest:
        pdf.set_font_size(size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 1
    pdf.set_font_size(size)
    return size


def _draw(pdf: FPDF, badge: Badge, x: float, y: float, w: float, h: float) -> None:
    pad = 5.0
    scale = h / 55.0 if h < 100 else 1.6  # A6 cards set everything larger
    band_h = 9.0 * min(scale, 1.4) if badge.band_text else 0.0
    pdf.set_draw_color(200, 200, 200)
    pdf.rect(x, y, w, h)  # a cutting guide
    qr_size = min(h - band_h - 2 * pad, w * 0.38) if badge.qr_png else 0.0
    text_w = w - 2 * pad - (qr_size + 3 if qr_size else 0)
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("badge", "", 7 * scale)
    pdf.set_xy(x + pad, y + pad)
    pdf.cell(text_w, 4 * scale, badge.event_name[:80])
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("badge", "B")
    size = _fit(pdf, badge.name, text_w, 26 * scale, 10)
    pdf.set_xy(x + pad, y + pad + 7 * scale)
    pdf.cell(text_w, size * 0.45, badge.name)
    if badge.organization:
        pdf.set_font("badge", "")
        org_size = _fit(pdf, badge.organization, text_w, 11 * scale, 6)
        pdf.set_xy(x + pad, y + pad + 7 * scale + size * 0.45 + 2)
        pdf.cell(text_w, org_size * 0.45, badge.organization)
    if qr_size:
        pdf.image(io.BytesIO(badge.qr_png), x + w - pad - qr_size, y + pad, qr_size, qr_size)
    if badge.band_text:
        rgb = _rgb(badge.band_color)
        pdf.set_fill_color(*rgb)
        pdf.rect(x, y + h - band_h, w, band_h, style="F")
        pdf.set_text_color(*_text_on(rgb))
        pdf.set_font("badge", "B")
        _fit(pdf, badge.band_text, w - 2 * pad, 12 * min(scale, 1.4), 6)
        pdf.set_xy(x + pad, y + h - band_h)
        pdf.cell(w - 2 * pad, band_h, badge.band_text, align="C")
        pdf.set_text_color(0, 0, 0)


def _slots(size: str, per_sheet: int) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """(page size, top-left corner of each badge on a page)."""
    w, h = SIZES[size]
    if per_sheet <= 1:
        return (w, h), [(0.0, 0.0)]
    per_sheet = min(per_sheet, MAX_PER_SHEET[size])
    rows = math.ceil(per_sheet / 2)
    left, top = (A4[0] - 2 * w) / 2, (A4[1] - rows * h) / 2
    return A4, [(left + (n % 2) * w, top + (n // 2) * h) for n in range(per_sheet)]


def badges_pdf(badges: list[Badge], size: str = BadgeSize.CARD, per_sheet: int = 1,
               title: str = "") -> bytes:
    """The badges as one PDF: one per page (badge printers), or up to 8 cards / 4 A6 on
    each A4 sheet, with grey cutting guides."""
    page, slots = _slots(size, per_sheet)
    w, h = SIZES[size]
    pdf = FPDF(unit="mm", format=page)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(title or "Badges")
    pdf.set_creator("Festa")
    for style, path in font_paths().items():
        pdf.add_font("badge", style, path)
    for n, badge in enumerate(badges):
        if n % len(slots) == 0:
            pdf.add_page()
        x, y = slots[n % len(slots)]
        _draw(pdf, badge, x, y, w, h)
    if not badges:
        pdf.add_page()
    return bytes(pdf.output())
