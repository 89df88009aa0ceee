"""Fixtures of the open data tests: the C3VOC references and a small programme."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import xmlschema

from festa.extensions import db
from tests.factories import make_event, make_room, make_session, make_speaker, make_track, seoul

# Byte-for-byte copies of shared/ref/schedule (C3VOC, EUPL 1.2; see ref/SOURCE.md).
REF = Path(__file__).resolve().parent / "ref"


@pytest.fixture(scope="session")
def frab_validator():
    schema = json.loads((REF / "schema.json").read_text())
    return jsonschema.Draft6Validator(
        schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="session")
def frab_xsd():
    return xmlschema.XMLSchema(str(REF / "schedule.xml.xsd"))


@pytest.fixture
def programme(app):
    """A published two-day event: two rooms, a track, three sessions (one cancelled)."""
    event = make_event(slug="ai-seoul-test", name_en="AI Seoul Test", name_ko="AI 서울 테스트")
    hall = make_room(event.venue, name_en="Grand Ballroom", name_ko="그랜드볼룸", position=1)
    side = make_room(event.venue, name_en="Room 300", name_ko="300호", position=2)
    track = make_track(event, name_en="Talent", name_ko="인재", color="#aa3355")
    mayor = make_speaker(family_name_ko="오", given_name_ko="세훈",
                         family_name_en="Oh", given_name_en="Se-hoon")
    kaplan = make_speaker(family_name_ko="캐플런", given_name_ko="제리", family_name_en="Kaplan",
                          given_name_en="Jerry", given_name_first=True)
    keynote = make_session(event, hall, start=seoul(event.start_date, 10), track=track,
                           title_en="Seven AI strategies", title_ko="7대 AI 전략",
                           kind="keynote", speakers=[mayor])
    dialogue = make_session(event, hall, start=seoul(event.start_date, 11),
                            title_en="Special dialogue", title_ko="특별 대담", kind="dialogue",
                            speakers=[mayor, kaplan], language="ko+en")
    workshop = make_session(event, side, start=seoul(event.end_date, 14), minutes=90,
                            title_en="Hands-on workshop", title_ko="실습 워크숍",
                            kind="workshop", capacity=20, reservation_required=True)
    cancelled = make_session(event, side, start=seoul(event.end_date, 16),
                             title_en="Dropped talk", title_ko="취소된 발표", cancelled=True)
    db.session.commit()
    return SimpleNamespace(event=event, hall=hall, side=side, track=track, keynote=keynote,
                           dialogue=dialogue, workshop=workshop, cancelled=cancelled,
                           speakers=[mayor, kaplan])
