"""The QR images themselves: drawn the cheap way (one mask, the PNG written directly), and
still exactly the symbol qrcode makes, read back by a real decoder."""

from __future__ import annotations

import io

import qrcode
import zxingcpp
from PIL import Image

from festa.tickets import qr
from festa.tickets.codes import sign_ticket


def test_png_is_the_symbol_pixel_for_pixel(app):
    code, _ = sign_ticket(12345, 7)
    symbol = qr._qr(code)
    drawn = symbol.make_image(fill_color="black", back_color="white").get_image()
    written = Image.open(io.BytesIO(qr.qr_png(code)))
    assert written.format == "PNG" and written.mode == "1" and written.size == drawn.size
    assert written.size == ((symbol.modules_count + 2 * qr.BORDER) * qr.BOX_SIZE,) * 2
    assert written.tobytes() == drawn.tobytes()


def test_every_code_decodes_with_the_one_mask_pattern(app):
    """No mask is tried per code (the mask the standard lets an encoder choose): the codes
    of many tickets, at small and large ids, must all still read back exactly."""
    ids = [*range(1, 26), *range(2**32 - 25, 2**32)]
    for ticket_id in ids:
        code, _ = sign_ticket(ticket_id, ticket_id % 1000 + 1)
        image = Image.open(io.BytesIO(qr._render(code, "png")))
        decoded = zxingcpp.read_barcodes(image)
        assert [r.text for r in decoded] == [code], ticket_id
        assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode


def test_no_mask_is_evaluated(app, monkeypatch):
    def evaluated(_self):
        raise AssertionError("qrcode tried every mask pattern")

    monkeypatch.setattr(qrcode.QRCode, "best_mask_pattern", evaluated)
    code, _ = sign_ticket(99, 1)
    assert qr._render(code, "png").startswith(b"\x89PNG") and qr._render(code, "svg")
    assert qr.qr_version(code) == 6  # 99 bytes at error correction M
