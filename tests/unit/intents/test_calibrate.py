from __future__ import annotations

import numpy as np

from intents.calibrate import choose_threshold, expected_calibration_error, fit_temperature, softmax


def test_temperature_softens_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=400)
    logits = rng.normal(size=(400, 3)) * 2
    right = rng.random(400) < 0.7  # 70% right, but with a huge margin
    logits[np.arange(400)[right], labels[right]] += 12
    t = fit_temperature(logits, labels)
    assert t > 1.5
    conf = softmax(logits, t).max(1)
    correct = softmax(logits, t).argmax(1) == labels
    assert expected_calibration_error(conf, correct) < expected_calibration_error(softmax(logits).max(1), correct)


def test_threshold_without_oos_keeps_most_correct_predictions() -> None:
    conf = np.linspace(0.5, 1.0, 101)
    thr = choose_threshold(conf, np.ones(101, bool))
    assert np.mean(conf >= thr.value) >= 0.97
    assert thr.held_out_oos == 0


def test_threshold_with_oos_examples_rejects_them() -> None:
    conf_in = np.linspace(0.6, 1.0, 100)
    conf_oos = np.linspace(0.3, 0.62, 20)
    thr = choose_threshold(conf_in, np.ones(100, bool), conf_oos)
    assert np.mean(conf_oos < thr.value) >= 0.9
    assert np.mean(conf_in >= thr.value) >= 0.9
    assert thr.held_out_oos == 20
