"""Self-verifying ticket codes: an Ed25519 signature over (version, key id, ticket, event).

Layout before base64url (no padding), 74 bytes → 99 ASCII characters, a version-6 QR
code at error correction M:

    byte 0      format version (1)
    byte 1      key id: first byte of SHA-256 of the signing public key (keys can rotate)
    bytes 2–5   ticket id, unsigned big-endian
    bytes 6–9   event id, unsigned big-endian
    bytes 10–73 Ed25519 signature over bytes 0–9

No personal data: a scanner learns nothing from a code it cannot look up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from flask import current_app
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

FORMAT_VERSION = 1
_HEADER = struct.Struct(">BBII")
SIGNATURE_LENGTH = 64
CODE_LENGTH = 99
_CODE_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")


class InvalidCode(ValueError):
    """The code is not one of ours. `reason`: malformed, unknown_key or bad_signature."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TicketClaims:
    ticket_id: int
    event_id: int
    key_id: int


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_for(verify_key: VerifyKey) -> int:
    return hashlib.sha256(bytes(verify_key)).digest()[0]


def signing_key() -> SigningKey:
    """The current signing key, from FESTA_SIGNING_KEY (a base64url 32-byte seed)."""
    cache = current_app.extensions.setdefault("festa_keys", {})
    seed = current_app.config["FESTA_SIGNING_KEY"]
    if cache.get("seed") != seed:
        raw = b64url_decode(seed)
        if len(raw) != 32:
            raise RuntimeError("FESTA_SIGNING_KEY must be a base64url 32-byte Ed25519 seed")
        cache.clear()
        cache.update(seed=seed, key=SigningKey(raw))
    return cache["key"]


def verify_keys() -> list[VerifyKey]:
    """The current public key first, then retired ones whose tickets must still scan."""
    keys = [signing_key().verify_key]
    for text in current_app.config.get("FESTA_RETIRED_PUBLIC_KEYS", []):
        keys.append(VerifyKey(b64url_decode(text.strip())))
    return keys


def public_keys() -> dict[int, str]:
    """{key id: base64url raw public key} for offline scanners."""
    return {key_id_for(k): b64url_encode(bytes(k)) for k in verify_keys()}


def sign_ticket(ticket_id: int, event_id: int) -> tuple[str, int]:
    """The code for a ticket, and the id of the key that signed it."""
    key = signing_key()
    kid = key_id_for(key.verify_key)
    header = _HEADER.pack(FORMAT_VERSION, kid, ticket_id, event_id)
    signature = key.sign(header).signature
    return b64url_encode(header + signature), kid


def extract_code(text: str) -> str:
    """Accept the bare code or the ticket page's URL (…/tickets/<code>), as scanners may
    read either; surrounding whitespace from hand-held scanners is dropped."""
    text = (text or "").strip()
    if "/tickets/" in text:
        text = text.split("/tickets/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return text


def verify_code(text: str) -> TicketClaims:
    """Check a code's form and signature; raise InvalidCode with the reason otherwise."""
    code = extract_code(text)
    if len(code) != CODE_LENGTH or not _CODE_CHARS.match(code):
        raise InvalidCode("malformed")
    try:
        raw = b64url_decode(code)
    except (binascii.Error, ValueError) as error:
        raise InvalidCode("malformed") from error
    # The last character carries 2 unused bits: without this check four spellings of one
    # code would verify. One ticket, one code.
    if len(raw) != _HEADER.size + SIGNATURE_LENGTH or b64url_encode(raw) != code:
        raise InvalidCode("malformed")
    header, signature = raw[: _HEADER.size], raw[_HEADER.size:]
    version, kid, ticket_id, event_id = _HEADER.unpack(header)
    if version != FORMAT_VERSION:
        raise InvalidCode("malformed")
    candidates = [k for k in verify_keys() if key_id_for(k) == kid]
    if not candidates:
        raise InvalidCode("unknown_key")
    for key in candidates:
        try:
            key.verify(header, signature)
        except BadSignatureError:
            continue
        return TicketClaims(ticket_id=ticket_id, event_id=event_id, key_id=kid)
    raise InvalidCode("bad_signature")
