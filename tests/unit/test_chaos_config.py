import argparse
import math

import pytest

from streams.chaos.run import ChaosConfig
from streams.commands.arg_types import non_negative_float, non_negative_int, positive_int


def test_kills_never_follow_the_last_step_or_the_broker_restart():
    cfg = ChaosConfig(chunks=6, kills=0)
    assert cfg.broker_step == 3 and cfg.kill_steps() == [0, 1, 2, 4]
    assert ChaosConfig(chunks=6, kills=0, broker_restart=False).kill_steps() == [0, 1, 2, 3, 4]


def test_more_kills_than_steps_is_refused_with_the_limit():
    ChaosConfig(chunks=6, kills=4)
    with pytest.raises(ValueError, match="at most 4 kills fit"):
        ChaosConfig(chunks=6, kills=5)


@pytest.mark.parametrize(("parse", "bad"), [(positive_int, "0"), (non_negative_int, "-1"),
                                            (non_negative_float, "-0.5"), (non_negative_float, "nan")])
def test_numbers_below_their_floor_are_refused_at_the_command_line(parse, bad):
    with pytest.raises(argparse.ArgumentTypeError):
        parse(bad)


def test_numbers_at_their_floor_are_accepted():
    assert positive_int("1") == 1 and non_negative_int("0") == 0 and non_negative_float("0") == 0.0
    assert not math.isnan(non_negative_float("2.5"))
