"""Box geometry: the overlap shares the verifier and the renderer decide by."""

from edge.geometry import best_first, cover, grow, inside, iou, touches


def test_overlap_shares() -> None:
    assert inside((0, 0, 10, 10), (0, 0, 20, 20)) == 1.0
    assert inside((0, 0, 20, 20), (0, 0, 10, 10)) == 0.25
    assert cover((0, 0, 20, 20), (0, 0, 10, 10)) == 1.0
    assert cover((0, 0, 1, 1), (5, 5, 6, 6)) == 0.0
    assert inside((0, 0, 0, 10), (0, 0, 20, 20)) == 0.0  # an empty box lies nowhere


def test_iou_grow_and_touch() -> None:
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == 50 / 150
    assert grow((0, 0, 10, 20), 0.5) == (-10, -10, 20, 30)  # by half the larger side
    assert touches((0, 0, 10, 10), (10, 0, 20, 10))
    assert not touches((0, 0, 10, 10), (10.5, 0, 20, 10))


def test_best_first_matches_one_to_one_by_the_largest_measure() -> None:
    pairs = [(0.4, 0, 0), (0.9, 0, 1), (0.8, 1, 1), (0.3, 1, 0), (0.2, 2, 0)]
    # 0↔1 first (0.9); 1 then cannot take 1 (taken) and takes 0 (0.3); 2 finds 0 taken
    assert best_first(pairs) == [(0.9, 0, 1), (0.3, 1, 0)]
    assert best_first([]) == []
