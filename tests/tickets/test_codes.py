"""Signed ticket codes: what verifies, and every way a code is refused (with the reason)."""

from __future__ import annotations

import base64

import pytest
from nacl.signing import SigningKey

from festa.tickets import codes
from festa.tickets.codes import (
    CODE_LENGTH,
    InvalidCode,
    b64url_encode,
    extract_code,
    key_id_for,
    public_keys,
    sign_ticket,
    verify_code,
)
from festa.tickets.qr import MAX_VERSION, qr_version

OTHER_SEED = b64url_encode(bytes(range(100, 132)))


def _reason(text: str) -> str:
    with pytest.raises(InvalidCode) as caught:
        verify_code(text)
    return caught.value.reason


def _seed_with_key_id(kid: int) -> str:
    """Another key whose key id collides with `kid` (1 in 256): only the signature differs."""
    for n in range(100_000):
        seed = n.to_bytes(32, "big")
        if key_id_for(SigningKey(seed).verify_key) == kid:
            return b64url_encode(seed)
    raise AssertionError("no colliding seed found")


def test_round_trip(app):
    code, kid = sign_ticket(12345, 678)
    claims = verify_code(code)
    assert (claims.ticket_id, claims.event_id, claims.key_id) == (12345, 678, kid)
    assert len(code) == CODE_LENGTH
    assert code.isascii() and "=" not in code and "+" not in code and "/" not in code


def test_code_carries_only_ids():
    # Layout: version, key id, ticket id, event id, signature — nothing personal fits.
    assert codes._HEADER.size + codes.SIGNATURE_LENGTH == 74


def test_every_single_character_change_is_refused(app):
    code, _ = sign_ticket(1, 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index, char in enumerate(code):
        replacement = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
        tampered = code[:index] + replacement + code[index + 1:]
        with pytest.raises(InvalidCode) as caught:
            verify_code(tampered)
        assert caught.value.reason in {"bad_signature", "unknown_key", "malformed"}, index


def test_tampered_ids_break_the_signature(app):
    code, _ = sign_ticket(1, 1)
    raw = bytearray(base64.urlsafe_b64decode(code + "="))
    raw[5] ^= 0x01  # ticket 1 → ticket 0: someone else's ticket
    assert _reason(b64url_encode(bytes(raw))) == "bad_signature"


@pytest.mark.parametrize("cut", [1, 2, 50, 98])
def test_truncated_code_is_malformed(app, cut):
    code, _ = sign_ticket(7, 3)
    assert _reason(code[:-cut]) == "malformed"


def test_code_with_extra_characters_is_malformed(app):
    code, _ = sign_ticket(7, 3)
    assert _reason(code + "A") == "malformed"


def test_code_signed_by_another_key_is_refused(app):
    code, _ = sign_ticket(7, 3)
    app.config["FESTA_SIGNING_KEY"] = OTHER_SEED
    assert _reason(code) == "unknown_key"


def test_another_key_with_the_same_key_id_fails_the_signature(app):
    _, kid = sign_ticket(7, 3)
    current = app.config["FESTA_SIGNING_KEY"]
    app.config["FESTA_SIGNING_KEY"] = _seed_with_key_id(kid)
    forged, forged_kid = sign_ticket(7, 3)
    assert forged_kid == kid
    app.config["FESTA_SIGNING_KEY"] = current
    assert _reason(forged) == "bad_signature"


def test_unknown_key_id(app):
    code, kid = sign_ticket(7, 3)
    raw = bytearray(base64.urlsafe_b64decode(code + "="))
    raw[1] = (kid + 1) % 256
    assert _reason(b64url_encode(bytes(raw))) == "unknown_key"


def test_unknown_format_version(app):
    code, _ = sign_ticket(7, 3)
    raw = bytearray(base64.urlsafe_b64decode(code + "="))
    raw[0] = 2
    assert _reason(b64url_encode(bytes(raw))) == "malformed"


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "티켓", "A" * CODE_LENGTH, "+" * CODE_LENGTH, "=" * CODE_LENGTH,
    "A" * 98 + "=", "A" * 500, "<script>", None,
])
def test_malformed_input(app, text):
    assert _reason(text) in {"malformed", "unknown_key"}
    if text is None or len(text.strip()) != CODE_LENGTH:
        assert _reason(text) == "malformed"


def test_retired_key_still_verifies(app):
    old_code, old_kid = sign_ticket(7, 3)
    old_public = public_keys()[old_kid]
    app.config["FESTA_SIGNING_KEY"] = OTHER_SEED
    assert _reason(old_code) == "unknown_key"
    app.config["FESTA_RETIRED_PUBLIC_KEYS"] = [old_public]
    assert verify_code(old_code).ticket_id == 7
    new_code, new_kid = sign_ticket(8, 3)
    assert new_kid != old_kid and verify_code(new_code).ticket_id == 8
    assert set(public_keys()) == {old_kid, new_kid}


def test_scanners_may_send_the_ticket_url(app):
    code, _ = sign_ticket(7, 3)
    assert extract_code(f"  https://festa.example/tickets/{code}?lang=ko#qr \n") == code
    assert verify_code(f"http://127.0.0.1:5000/tickets/{code}/").ticket_id == 7


@pytest.mark.parametrize("ids", [(1, 1), (2**32 - 1, 2**32 - 1)])
def test_qr_code_fits_version_10_at_level_m(app, ids):
    code, _ = sign_ticket(*ids)
    assert qr_version(code) <= MAX_VERSION
