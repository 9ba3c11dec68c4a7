"""The results arithmetic on small hand-computed cases."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from skillscan.models import Rating, Score
from skillscan.selectors import (
    agreed_scores,
    disagreements,
    duty_distance,
    duty_means,
    gaps,
    kind_means,
    ksb_distance,
    mean,
    one_decimal,
    prior_learning,
)


def ksb(pk, kind="K"):
    return SimpleNamespace(pk=pk, kind=kind, code=f"{kind}{pk}")


class Duty(SimpleNamespace):
    def __hash__(self):
        return id(self)


def duty(pk, *ksbs):
    """A duty as a standard's structure holds it: with the pks of its KSBs."""
    return Duty(pk=pk, number=pk, ksb_ids=frozenset(k.pk for k in ksbs))


K1, K2, S3, B4 = ksb(1), ksb(2), ksb(3, "S"), ksb(4, "B")
KSBS = [K1, K2, S3, B4]
D1, D2, D3 = duty(1, K1, K2, S3), duty(2, S3, B4), duty(3)


def test_scale_has_five_levels_with_descriptors():
    assert [(s.value, s.label) for s in Score] == [
        (0, "Not yet"),
        (1, "Aware"),
        (2, "Developing"),
        (3, "Competent"),
        (4, "Expert"),
    ]
    assert Score.COMPETENT.descriptor == "does it independently and reliably"


def test_mean_ignores_unknowns():
    assert mean([1, 2, None, 3]) == 2
    assert mean([None]) is None
    assert mean([]) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2.25, "2.3"), (2.0, "2.0"), (7 / 3, "2.3"), (0.05, "0.1"), (None, None)],
)
def test_means_are_shown_to_one_decimal_place(value, shown):
    assert (str(one_decimal(value)) if value is not None else None) == shown


def test_agreed_score_is_the_employers_where_given():
    ratings = [
        Rating(ksb_id=1, score=1, employer_score=3),
        Rating(ksb_id=2, score=2, employer_score=None),
        Rating(ksb_id=3, score=4, employer_score=0),
    ]
    assert agreed_scores(ratings) == {1: 3, 2: 2, 3: 0}


def test_per_duty_mean_of_its_ksbs():
    scores = {1: 1, 2: 2, 3: 4, 4: 3}
    assert duty_means([D1, D2, D3], scores) == [(D1, 7 / 3), (D2, 3.5), (D3, None)]


def test_per_kind_means():
    assert kind_means(KSBS, {1: 1, 2: 4, 3: 2, 4: 0}) == {"K": 2.5, "S": 2, "B": 0}


def test_gaps_are_ksbs_at_zero_or_one():
    assert gaps(KSBS, {1: 0, 2: 2, 3: 1, 4: 4}) == [K1, S3]
    assert gaps(KSBS, {1: 2}) == []


def test_disagreements_differ_by_two_or_more():
    ratings = [
        Rating(ksb_id=1, score=1, employer_score=3),  # 2 apart: flagged
        Rating(ksb_id=2, score=2, employer_score=3),  # 1 apart
        Rating(ksb_id=3, score=4, employer_score=None),  # no employer score
        Rating(ksb_id=4, score=4, employer_score=0),  # 4 apart: flagged
    ]
    assert [r.ksb_id for r in disagreements(ratings)] == [1, 4]


def test_distance_travelled_per_ksb_biggest_first():
    changes = ksb_distance(KSBS, {1: 3, 2: 2, 3: 1, 4: 4}, {1: 1, 2: 2, 3: 2})
    assert [(c.item.code, c.change) for c in changes] == [
        ("K1", 2),
        ("K2", 0),
        ("S3", -1),
        ("B4", None),
    ]


def test_distance_travelled_per_duty_biggest_first():
    before = {1: 1, 2: 1, 3: 1, 4: 1}
    after = {1: 2, 2: 2, 3: 1, 4: 4}
    changes = duty_distance([D1, D2, D3], after, before)
    # D2: (1 + 4) / 2 - 1 = 1.5; D1: 5/3 - 1 = 0.667; D3 has no KSBs.
    assert [
        (c.item.number, round(c.change, 3) if c.change is not None else None) for c in changes
    ] == [(2, 1.5), (1, 0.667), (3, None)]


def test_prior_learning_arithmetic():
    scores = dict(enumerate([3, 4, 3, 2, 1, 0, 3, 3, 4, 2]))
    estimate = prior_learning(scores, otj_target_hours=600)
    assert (estimate.competent, estimate.total) == (6, 10)
    assert estimate.percent == Decimal("60.0")
    assert estimate.otj_hours == Decimal("360")
    assert estimate.min_price_reduction_percent == Decimal("30.0")


def test_prior_learning_of_thirty_percent_means_at_least_fifteen_off():
    scores = dict(enumerate([3] * 3 + [1] * 7))
    estimate = prior_learning(scores, otj_target_hours=626)
    assert estimate.percent == Decimal("30.0")
    assert estimate.min_price_reduction_percent == Decimal("15.0")
    assert estimate.otj_hours == Decimal("188")  # 0.3 x 626 = 187.8


def test_prior_learning_of_fifty_one_ksbs_rounds_for_display():
    estimate = prior_learning(dict(enumerate([3] * 17 + [0] * 34)), otj_target_hours=626)
    assert estimate.percent == Decimal("33.3")
    assert estimate.otj_hours == Decimal("209")  # 17/51 x 626 = 208.67
    assert estimate.min_price_reduction_percent == Decimal("16.7")
