from models.closing import PartitionClock, due_to_close


def test_idle_partition_advances_with_the_wall_clock():
    clock = PartitionClock()
    clock.observe(1000.0, wall=50.0)
    assert clock.watermark(50.0) == 1000.0
    assert clock.watermark(80.0) == 1030.0  # nothing arrived for 30 s
    clock.observe(900.0, wall=90.0)  # an older event does not move event time back
    assert clock.max_ts == 1000.0 and clock.watermark(90.0) == 1000.0


def test_close_on_end_event_at_once():
    assert (
        due_to_close(ended=True, last_ts=0, last_receipt=10, watermark=0, wall=10, gap_s=1800, grace_s=5) == "end_event"
    )


def test_close_after_gap_and_grace():
    args = {"ended": False, "last_ts": 1000.0, "gap_s": 1800.0, "grace_s": 5.0}
    assert due_to_close(**args, last_receipt=0, watermark=2799, wall=100) is None
    assert due_to_close(**args, last_receipt=0, watermark=2800, wall=100) == "inactivity"
    # a backfill batch just arrived: wait for the grace period before closing
    assert due_to_close(**args, last_receipt=98, watermark=9000, wall=100) is None
