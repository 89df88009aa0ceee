"""`flask --app festa festa device create`: one line, the token, nothing else."""

from festa.checkin.services import device_for_token
from tests.checkin.helpers import room_checkpoint, setup_event


def test_device_create_prints_only_a_working_token(runner):
    event, entrance, _tickets = setup_event()
    result = runner.invoke(args=["festa", "device", "create", "--event", event.slug,
                                 "--name", "Gate 1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1
    device = device_for_token(lines[0])
    assert device.checkpoint_id == entrance.id and device.name == "Gate 1"


def test_device_create_for_a_checkpoint(runner):
    event, _entrance, _tickets = setup_event()
    room = room_checkpoint(event, "Hall")
    result = runner.invoke(args=["festa", "device", "create", "--event", event.slug,
                                 "--checkpoint", str(room.id)])
    assert device_for_token(result.output.strip()).checkpoint_id == room.id


def test_device_create_refuses_unknown_event_or_foreign_checkpoint(runner):
    event, entrance, _tickets = setup_event()
    other, _e, _t = setup_event()
    assert runner.invoke(args=["festa", "device", "create", "--event", "nope"]).exit_code != 0
    result = runner.invoke(args=["festa", "device", "create", "--event", other.slug,
                                 "--checkpoint", str(entrance.id)])
    assert result.exit_code != 0 and "not part of" in result.output
