"""Korean throughout: every translatable string in the code and templates has a translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from festa.i18n import catalog_files

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("festa/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> dict[str, str]:
    found = {}
    for message in extract_from_dir(str(ROOT), METHODS, options_map={
        "templates/**.html": {"extensions": "jinja2.ext.i18n"}
    }):
        filename, lineno, msgid = message[0], message[1], message[2]
        if isinstance(msgid, tuple):
            msgid = msgid[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _korean() -> dict[str, str]:
    merged = {}
    for path in catalog_files():
        if path.parent.parent.name != "ko":
            continue
        with path.open("rb") as fh:
            for message in read_po(fh):
                if message.id:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    text = message.string
                    if isinstance(text, tuple):
                        text = text[0]
                    if text:
                        merged[key] = text
    return merged


def test_every_message_has_a_korean_translation():
    korean = _korean()
    missing = {m: where for m, where in _source_messages().items() if m not in korean}
    assert not missing, "untranslated:\n" + "\n".join(f"{w}: {m!r}" for m, w in missing.items())


def test_one_korean_wording_per_message():
    """Areas keep separate catalogs; the same English must not read two ways in Korean
    (which one wins would depend on the catalogs' merge order)."""
    wordings: dict[str, dict[str, str]] = {}
    for path in catalog_files():
        if path.parent.parent.name != "ko":
            continue
        with path.open("rb") as fh:
            for message in read_po(fh):
                if not message.id:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                text = message.string
                if isinstance(text, tuple):
                    text = text[0]
                if text:
                    wordings.setdefault(key, {})[text] = str(path.relative_to(ROOT))
    clashes = {k: v for k, v in wordings.items() if len(v) > 1}
    assert not clashes, "\n".join(f"{k!r}: {v}" for k, v in clashes.items())
