"""scans: the door's row is not key-share locked before its counter is updated

Revision ID: b8e2d4f6a1c3
Revises: f1a2b3c4d5e6
Create Date: 2026-12-02 12:20:00

festa_scan() inserted the presence (a first entry) before it updated the door's counter;
the presence's foreign key to its checkpoint was checked right then, which key-share locks
the door's row. Every other scan at that door is updating the same row, so the lock made a
MultiXact almost every time (measured: ≈ 0.25–0.4 ms of PostgreSQL CPU per scan at 8
concurrent scans, a third of a scan's database work). The key is now DEFERRABLE (INITIALLY
IMMEDIATE: nothing else changes) and festa_scan() defers its check until the counter
update, when the row is locked by the scan itself; the rules, their order and the locks
the scan waits for are as before. SQLite: the same constraint, deferrable (no change in
behaviour there); its scan path is not a function.
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = 'b8e2d4f6a1c3'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None

FK = 'fk_presences_checkpoint_id_checkpoints'

SCAN = """
CREATE OR REPLACE FUNCTION festa_scan(
    p_checkpoint_id integer, p_code text, p_direction text, p_scanned_at timestamp,
    p_recorded_at timestamp, p_mode text, p_client_scan_id text, p_device_id integer,
    p_user_id integer, p_ticket_id integer, p_event_id integer, p_entrance_label text
) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
-- p_ticket_id, p_event_id: what the code's verified signature says (NULL: not genuine).
-- Answers {"result", "response", "scan_id", "ticket_id", "registration_id", "event_id",
-- "replayed"}; result no_checkpoint, checkpoint_closed or exits_not_counted records nothing.
DECLARE
    cp record;
    prior record;
    v_result text;
    v_scan_id integer;
    v_known boolean := false;
    v_ticket_id integer;
    v_registration_id integer;
    v_name text;
    v_ticket_code text;
    v_ticket_event integer;
    v_ticket_status text;
    v_registration_status text;
    v_created boolean;
    v_changed integer;
    v_left integer[] := '{}';
    v_lowered integer[] := '{}';
    v_id integer;
    v_count integer;
    v_inside integer;
    v_previous jsonb;
    v_response jsonb;
BEGIN
    SELECT c.id, c.event_id, c.name, c.is_entrance, c.admits, c.session_id, c.counts_exits,
           c.active, c.print_badges
      INTO cp FROM checkpoints c WHERE c.id = p_checkpoint_id;
    IF NOT FOUND THEN
        RETURN json_build_object('result', 'no_checkpoint');
    ELSIF p_direction = 'exit' AND NOT cp.counts_exits THEN
        RETURN json_build_object('result', 'exits_not_counted');
    ELSIF NOT cp.active THEN
        RETURN json_build_object('result', 'checkpoint_closed');
    END IF;

    -- The same client_scan_id again: the first answer, nothing recorded.
    IF p_client_scan_id IS NOT NULL THEN
        SELECT s.id, s.result, s.response, s.ticket_id INTO prior FROM scans s
         WHERE s.checkpoint_id = cp.id AND s.client_scan_id = p_client_scan_id;
        IF FOUND THEN
            RETURN json_build_object('result', prior.result, 'response', prior.response,
                                     'scan_id', prior.id, 'ticket_id', prior.ticket_id,
                                     'event_id', cp.event_id, 'replayed', true);
        END IF;
    END IF;
    v_scan_id := nextval(pg_get_serial_sequence('scans', 'id'));

    -- The rules that only read, in order: genuine, this event, a live ticket, admitted here.
    IF p_ticket_id IS NULL THEN
        v_result := 'invalid';
    ELSIF p_event_id <> cp.event_id THEN
        v_result := 'wrong_event';
    ELSE
        SELECT t.code, t.event_id, t.status, t.registration_id, r.name, r.status
          INTO v_ticket_code, v_ticket_event, v_ticket_status, v_registration_id, v_name,
               v_registration_status
          FROM tickets t JOIN registrations r ON r.id = t.registration_id
         WHERE t.id = p_ticket_id;
        IF NOT FOUND OR v_ticket_code <> p_code OR v_ticket_event <> p_event_id THEN
            v_result := 'invalid';
            v_registration_id := NULL;
        ELSE
            v_known := true;
            v_ticket_id := p_ticket_id;
            IF v_ticket_status <> 'valid' OR v_registration_status <> 'confirmed' THEN
                v_result := 'revoked';
            ELSIF p_direction = 'entry' AND cp.admits = 'reservation' AND NOT EXISTS (
                    SELECT 1 FROM reservations rv
                     WHERE rv.registration_id = v_registration_id
                       AND rv.session_id IS NOT DISTINCT FROM cp.session_id
                       AND rv.status = 'confirmed') THEN
                v_result := 'not_allowed';
            END IF;
        END IF;
    END IF;

    IF v_result IS NULL AND p_direction = 'exit' THEN
        -- Out: the count drops only if the holder was counted inside.
        UPDATE presences p SET inside = false, last_change_at = p_scanned_at,
                               last_scan_id = v_scan_id
         WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = cp.id AND p.inside;
        IF FOUND THEN
            UPDATE checkpoints c SET inside_count = c.inside_count - 1
             WHERE c.id = cp.id AND c.inside_count > 0 RETURNING c.inside_count INTO v_inside;
        END IF;
        v_result := 'ok';
    ELSIF v_result IS NULL THEN
        -- In: claim the presence (a first entry inserts it, a re-entry flips it).
        -- The presence's key to the door is checked once the door's counter is ours (below):
        -- a check now would key-share lock the row other scans are updating.
        SET CONSTRAINTS fk_presences_checkpoint_id_checkpoints DEFERRED;
        INSERT INTO presences (ticket_id, checkpoint_id, inside, first_entry_at,
                               last_change_at, last_scan_id)
        VALUES (v_ticket_id, cp.id, true, p_scanned_at, p_scanned_at, v_scan_id)
        ON CONFLICT (ticket_id, checkpoint_id) DO NOTHING;
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        v_created := v_changed > 0;
        IF NOT v_created THEN
            UPDATE presences p SET inside = true, last_change_at = p_scanned_at,
                                   last_scan_id = v_scan_id
             WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = cp.id AND NOT p.inside;
            GET DIAGNOSTICS v_changed = ROW_COUNT;
        END IF;
        IF v_changed = 0 THEN
            v_result := 'already_checked_in';
        ELSE
            -- Entering a room leaves the room the holder was in (never the entrance).
            IF NOT cp.is_entrance THEN
                WITH moved AS (
                    UPDATE presences p SET inside = false, last_change_at = p_scanned_at,
                                           last_scan_id = v_scan_id
                     WHERE p.ticket_id = v_ticket_id AND p.inside
                       AND p.checkpoint_id IN (
                           SELECT c.id FROM checkpoints c
                            WHERE c.event_id = cp.event_id AND NOT c.is_entrance
                              AND c.id <> cp.id)
                    RETURNING p.checkpoint_id)
                SELECT coalesce(array_agg(m.checkpoint_id ORDER BY m.checkpoint_id), '{}')
                  INTO v_left FROM moved m;
            END IF;
            -- Last, the counters, in checkpoint-id order (no deadlock between two people
            -- crossing between two rooms); the door's row stays locked until the commit.
            v_result := 'ok';
            FOR v_id IN SELECT x FROM unnest(array_append(v_left, cp.id)) AS x ORDER BY x LOOP
                IF v_id = cp.id THEN
                    UPDATE checkpoints c SET inside_count = c.inside_count + 1
                     WHERE c.id = v_id AND (c.capacity IS NULL OR c.inside_count < c.capacity)
                    RETURNING c.inside_count INTO v_count;
                    IF NOT FOUND THEN
                        v_result := 'room_full';
                        EXIT;
                    END IF;
                    v_inside := v_count;
                ELSE
                    UPDATE checkpoints c SET inside_count = c.inside_count - 1
                     WHERE c.id = v_id AND c.inside_count > 0;
                    IF FOUND THEN
                        v_lowered := array_append(v_lowered, v_id);
                    END IF;
                END IF;
            END LOOP;
            IF v_result = 'room_full' THEN  -- full after all: take back what this scan claimed
                UPDATE checkpoints c SET inside_count = c.inside_count + 1
                 WHERE c.id = ANY (v_lowered);
                IF v_created THEN
                    DELETE FROM presences p
                     WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = cp.id;
                ELSE
                    UPDATE presences p SET inside = false
                     WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = cp.id;
                END IF;
                UPDATE presences p SET inside = true
                 WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = ANY (v_left);
                v_inside := NULL;
            END IF;
        END IF;
        SET CONSTRAINTS fk_presences_checkpoint_id_checkpoints IMMEDIATE;
    END IF;

    -- The answer, kept with the scan for replays.
    IF v_result = 'already_checked_in' THEN  -- when and where the holder got in
        SELECT jsonb_build_object(
                   'at', festa_utc_iso(s.scanned_at),
                   'checkpoint', CASE WHEN c.is_entrance AND c.name = 'Entrance'
                                      THEN p_entrance_label ELSE c.name END)
          INTO v_previous
          FROM presences p JOIN scans s ON s.id = p.last_scan_id
          JOIN checkpoints c ON c.id = s.checkpoint_id
         WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = cp.id;
        IF v_previous IS NULL THEN
            SELECT jsonb_build_object(
                       'at', festa_utc_iso(p.last_change_at),
                       'checkpoint', CASE WHEN cp.is_entrance AND cp.name = 'Entrance'
                                          THEN p_entrance_label ELSE cp.name END)
              INTO v_previous FROM presences p
             WHERE p.ticket_id = v_ticket_id AND p.checkpoint_id = cp.id;
        END IF;
    END IF;
    IF v_inside IS NULL AND v_result NOT IN ('invalid', 'wrong_event') THEN
        SELECT c.inside_count INTO v_inside FROM checkpoints c WHERE c.id = cp.id;
    END IF;
    v_response := jsonb_build_object('result', v_result, 'scan_id', v_scan_id);
    IF v_known THEN
        v_response := v_response || jsonb_build_object('attendee',
                                                       jsonb_build_object('name', v_name));
    END IF;
    IF v_previous IS NOT NULL THEN
        v_response := v_response || jsonb_build_object('previous', v_previous);
    END IF;
    IF cp.print_badges AND v_known AND v_result IN ('ok', 'already_checked_in') THEN
        v_response := v_response || jsonb_build_object(
            'badge', '/registrations/' || v_registration_id || '/badge.pdf');
    END IF;
    IF v_inside IS NOT NULL THEN
        v_response := v_response || jsonb_build_object('inside', v_inside);
    END IF;

    INSERT INTO scans (id, checkpoint_id, ticket_id, device_id, user_id, code, direction,
                       result, mode, scanned_at, recorded_at, client_scan_id, response)
    VALUES (v_scan_id, cp.id, v_ticket_id, p_device_id, p_user_id, p_code, p_direction,
            v_result, p_mode, p_scanned_at, p_recorded_at, p_client_scan_id,
            v_response::json);
    RETURN json_build_object('result', v_result, 'response', v_response,
                             'scan_id', v_scan_id, 'ticket_id', v_ticket_id,
                             'registration_id', v_registration_id, 'event_id', cp.event_id,
                             'replayed', false);
END
$$
"""


def _previous_scan() -> str:
    path = Path(__file__).with_name('20261202_f1a2b3c4d5e6_scan_in_one_statement.py')
    spec = importlib.util.spec_from_file_location('scan_in_one_statement', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SCAN


def _foreign_key(deferrable: bool) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE presences ALTER CONSTRAINT {FK} '
                   f'{"DEFERRABLE INITIALLY IMMEDIATE" if deferrable else "NOT DEFERRABLE"}')
        return
    with op.batch_alter_table('presences') as batch:
        batch.drop_constraint(FK, type_='foreignkey')
        batch.create_foreign_key(FK, 'checkpoints', ['checkpoint_id'], ['id'],
                                 ondelete='CASCADE', deferrable=deferrable or None,
                                 initially='IMMEDIATE' if deferrable else None)


def upgrade():
    _foreign_key(True)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(SCAN)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_previous_scan())
    _foreign_key(False)
