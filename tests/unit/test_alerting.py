from models.alerting import AlertPolicy, decide
from models.windows import I_RATE, I_RATED, OUTCOME_RATES, WIDTH

P = AlertPolicy(min_sessions=20, drop_ratio=0.7, clear_ratio=0.85)


def vec(rated: int, verified: int) -> list[float]:
    v = [0.0] * WIDTH
    v[0] = v[I_RATED] = rated
    v[I_RATE + OUTCOME_RATES.index("verified_success")] = verified
    return v


BASE = vec(1000, 300)  # 30% baseline


def test_fires_on_a_real_drop():
    assert decide(False, vec(100, 10), BASE, P) is True


def test_silent_on_a_small_sample_and_a_steady_rate():
    assert decide(False, vec(10, 0), BASE, P) is False  # a quiet night
    assert decide(False, vec(100, 29), BASE, P) is False


def test_hysteresis():
    assert decide(True, vec(100, 23), BASE, P) is True  # 23% > 21% but < 25.5%: still firing
    assert decide(True, vec(100, 26), BASE, P) is False
    assert decide(True, vec(5, 30), BASE, P) is True  # too few sessions to clear either
