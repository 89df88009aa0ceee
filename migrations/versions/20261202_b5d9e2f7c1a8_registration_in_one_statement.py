"""registrations: festa_register(), a registration decided and recorded in one statement
(PostgreSQL)

Revision ID: b5d9e2f7c1a8
Revises: a7c3e5f9b2d4
Create Date: 2026-12-02 15:10:00

festa.registration.recording calls festa_register() on PostgreSQL: the same steps, in the
same order, as its SQLite path, run inside the server (one round trip). The event's row is
locked first, whether a seat is free or not, so a cancellation's waitlist fill either runs
before (and its freed seat is seen here) or after (and sees this registration waiting):
nothing is left for a fill after the commit. SQLite has no functions; the migration leaves
it alone.
"""
from alembic import op

revision = 'b5d9e2f7c1a8'
down_revision = 'a7c3e5f9b2d4'
branch_labels = None
depends_on = None

SIGNATURE = ("integer, text, text, text, text, text, text, timestamp, integer[], integer, "
             "text, integer")

REGISTER = """
CREATE OR REPLACE FUNCTION festa_register(
    p_event_id integer, p_name text, p_email text, p_organization text, p_locale text,
    p_source text, p_agenda_token text, p_now timestamp, p_session_ids integer[],
    p_ticket_id integer, p_ticket_code text, p_key_id integer
) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
-- p_session_ids: distinct, ascending (the lock order); p_ticket_id/p_ticket_code/p_key_id:
-- the ticket's id taken ahead from its sequence and its signed code (used when confirmed).
-- Answers {"id", "status", "position", "waitlisted_at", "sessions": [{"id",
-- "reservation_id", "status", "position", "waitlisted_at"}]}, or {"needs_ticket": true}
-- (nothing written) when a seat is free but no ticket id was given; a second registration
-- of the address raises unique_violation (registration_one_per_email), nothing written.
DECLARE
    v_free boolean;
    v_status text;
    v_at timestamp;
    v_id integer;
    v_position integer;
    v_session_id integer;
    v_session_free boolean;
    v_session_status text;
    v_session_at timestamp;
    v_reservation_id integer;
    v_session_position integer;
    v_sessions json[] := '{}';
BEGIN
    -- The event's seat counter, locked either way (see the migration's docstring). FOR NO
    -- KEY UPDATE: the foreign-key checks of other registrations' INSERTs still pass.
    SELECT capacity IS NULL OR seats_taken < capacity INTO v_free
      FROM events WHERE id = p_event_id FOR NO KEY UPDATE;
    IF v_free IS NULL THEN
        RAISE EXCEPTION 'festa_register: no event %', p_event_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_free AND p_ticket_id IS NULL THEN
        RETURN json_build_object('needs_ticket', true);
    END IF;
    IF v_free THEN
        UPDATE events SET seats_taken = seats_taken + 1 WHERE id = p_event_id;
        v_status := 'confirmed';
    ELSE
        -- the clock under the lock: the waitlist's order is the order of the locks
        v_status := 'waitlisted';
        v_at := timezone('UTC', clock_timestamp());
    END IF;
    INSERT INTO registrations (event_id, name, email, organization, locale, status,
                               waitlisted_at, source, consent_at, consent_version,
                               secret_version, agenda_token, created_at, updated_at)
    VALUES (p_event_id, p_name, p_email, p_organization, p_locale, v_status, v_at, p_source,
            p_now, '2025-01', 0, p_agenda_token, p_now, p_now)
    RETURNING id INTO v_id;
    IF NOT v_free THEN
        SELECT count(*) + 1 INTO v_position FROM registrations
         WHERE event_id = p_event_id AND status = 'waitlisted'
           AND (waitlisted_at < v_at OR (waitlisted_at = v_at AND id < v_id));
    END IF;
    -- Sessions in id order, each counter locked while its seat is decided. Waiting for the
    -- event: every reservation waits too, and joins its session's line once confirmed.
    FOREACH v_session_id IN ARRAY p_session_ids LOOP
        v_session_at := NULL;
        v_session_position := NULL;
        IF NOT v_free THEN
            v_session_status := 'waitlisted';
        ELSE
            SELECT capacity IS NULL OR seats_taken < capacity INTO v_session_free
              FROM sessions WHERE id = v_session_id FOR NO KEY UPDATE;
            IF v_session_free THEN
                UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = v_session_id;
                v_session_status := 'confirmed';
            ELSE
                v_session_status := 'waitlisted';
                v_session_at := timezone('UTC', clock_timestamp());
            END IF;
        END IF;
        INSERT INTO reservations (registration_id, session_id, status, waitlisted_at,
                                  created_at, updated_at)
        VALUES (v_id, v_session_id, v_session_status, v_session_at, p_now, p_now)
        RETURNING id INTO v_reservation_id;
        IF v_session_at IS NOT NULL THEN
            SELECT count(*) + 1 INTO v_session_position
              FROM reservations r JOIN registrations g ON g.id = r.registration_id
             WHERE r.session_id = v_session_id AND r.status = 'waitlisted'
               AND r.waitlisted_at IS NOT NULL AND g.status = 'confirmed'
               AND (r.waitlisted_at < v_session_at
                    OR (r.waitlisted_at = v_session_at AND r.id < v_reservation_id));
        END IF;
        v_sessions := v_sessions || json_build_object(
            'id', v_session_id, 'reservation_id', v_reservation_id,
            'status', v_session_status, 'position', v_session_position,
            'waitlisted_at', festa_utc_iso(v_session_at));
    END LOOP;
    IF v_free THEN
        INSERT INTO tickets (id, registration_id, event_id, code, key_id, status, issued_at,
                             revoked_reason)
        VALUES (p_ticket_id, v_id, p_event_id, p_ticket_code, p_key_id, 'valid', p_now, '');
    END IF;
    -- The mail: a row holding ids, rendered by the outbox worker after the commit.
    INSERT INTO outbox (kind, topic, recipient, subject, event_id, registration_id, status,
                        attempts, next_attempt_at, last_error, created_at)
    VALUES ('mail', CASE WHEN v_free THEN 'confirmation' ELSE 'waitlisted' END, p_email, '',
            p_event_id, v_id, 'pending', 0, p_now, '', p_now);
    RETURN json_build_object('id', v_id, 'status', v_status, 'position', v_position,
                             'waitlisted_at', festa_utc_iso(v_at),
                             'sessions', array_to_json(v_sessions));
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(REGISTER)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"DROP FUNCTION IF EXISTS festa_register({SIGNATURE})")
