"""A Y4M video for Chromium's fake camera: white frames, then a ticket's QR code."""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image

WIDTH, HEIGHT, FPS = 480, 360, 10


def write_qr_video(path: Path, text: str, white_frames: int = 25, qr_frames: int = 25) -> Path:
    """Chromium loops the file: the code appears, disappears, and appears again."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=3, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").convert("RGB")
    white = Image.new("RGB", (WIDTH, HEIGHT), "white")
    shown = white.copy()
    shown.paste(code, ((WIDTH - code.width) // 2, (HEIGHT - code.height) // 2))
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in [white] * white_frames + [shown] * qr_frames:
            y, cb, cr = frame.convert("YCbCr").split()
            fh.write(b"FRAME\n")
            fh.write(y.tobytes())
            fh.write(cb.resize((WIDTH // 2, HEIGHT // 2)).tobytes())
            fh.write(cr.resize((WIDTH // 2, HEIGHT // 2)).tobytes())
    return path
