"""The checkers of notebook 08: the right answers pass, wrong ones (Wald's interval, 'or' for 'and', every word
counted, an off-by-one n, thresholds just off, a rule that reads the words) get a hint, never a Correct!."""

import math

import pytest
from checker_output import printed, said

from course_utils.exercises import nb08
from course_utils.hallucination import HALLUCINATED_PHRASES, phrase_of, wilson_interval
from course_utils.segments import is_silent


def test_interval_right_answer_passes_and_wrong_ones_are_rejected(capsys):
    low, high = (100 * x for x in wilson_interval(nb08.SILENT_HITS, nb08.SILENT_TRIALS))
    nb08.check_interval((low, high))
    assert printed(capsys).startswith("Correct!")
    p, n = nb08.SILENT_HITS / nb08.SILENT_TRIALS, nb08.SILENT_TRIALS
    half = 1.959964 * math.sqrt(p * (1 - p) / n)
    wrong = {
        (100 * (p - half), 100 * (p + half)): "Wilson",  # Wald's interval
        (high, low): "low end comes first",  # upside down
        (low / 100, high / 100): "in %",
        tuple(100 * x for x in wilson_interval(nb08.SILENT_HITS, n + 1)): "n is",  # off by one
        (0, 10): "Wilson's formula",
    }
    for answer, hint in wrong.items():
        out = said(capsys, nb08.check_interval, answer)
        assert out.startswith("Not yet.") and hint in out, (answer, out)
    nb08.check_interval(None)
    assert printed(capsys) == "Not yet. Set interval = (low, high): the two ends of the interval, in %."
    nb08.check_interval("twenty")
    assert printed(capsys).startswith("Not yet.")


def test_skip_rule_right_function_passes_and_wrong_ones_are_rejected(capsys):
    nb08.check_skip_rule(lambda s: s["no_speech_prob"] > 0.6 and s["avg_logprob"] < -1.0)
    assert printed(capsys).startswith("Correct!")
    nb08.check_skip_rule(lambda s: is_silent(s["no_speech_prob"], s["avg_logprob"]))  # the packaged rule, used
    assert printed(capsys).startswith("Correct!")
    wrong = {
        is_silent: "not two numbers",  # the notebook's rule of two numbers, handed over as it is
        (lambda s: s["no_speech_prob"] > 0.5 and s["avg_logprob"] < -1.0): "no_speech_threshold",
        (lambda s: s["no_speech_prob"] > 0.6 and s["avg_logprob"] < -0.8): "logprob_threshold",
        (lambda s: s["no_speech_prob"] > 0.5 and s["avg_logprob"] < -0.8): "no_speech_threshold",
        (lambda s: s["text"].strip() == "Thank you."): "never the words",
        (lambda s: phrase_of(s["text"]) in HALLUCINATED_PHRASES): "never the words",
        (lambda s: s["no_speech_prob"] > 0.6 or s["avg_logprob"] < -1.0): "'and', not 'or'",
        (lambda s: s["no_speech_prob"] > 0.6): "no-speech test alone",
        (lambda s: s["no_speech_prob"] < 0.6 and s["avg_logprob"] > -1.0): "Skip where",  # upside down
        (lambda s: False): "Skip where",
        (lambda s: s["probability"] > 0.6): "failed on a segment",
    }
    for function, hint in wrong.items():
        nb08.check_skip_rule(function)
        out = printed(capsys)
        assert out.startswith("Not yet.") and hint in out, out
    nb08.check_skip_rule(None)
    assert printed(capsys).startswith("Not yet. Write a function")
    nb08.check_skip_rule(0.6)
    assert printed(capsys).startswith("Not yet. skips must be a function")


def test_each_shortcut_is_wrong_on_its_own_segment():
    """The segments a shortcut gets wrong are there: scores just under each threshold, the same words twice."""
    scores = [(s["no_speech_prob"], s["avg_logprob"]) for s in nb08.SEGMENTS]
    assert any(0.5 < p < 0.6 and a < -1.0 for p, a in scores)
    assert any(p > 0.6 and -1.0 < a < -0.8 for p, a in scores)
    thanks = [s for s in nb08.SEGMENTS if s["text"].strip() == "Thank you."]
    assert sorted(nb08.whisper_skips(s) for s in thanks) == [False, True]
    assert any(nb08.whisper_skips(s) and phrase_of(s["text"]) not in HALLUCINATED_PHRASES for s in nb08.SEGMENTS)


@pytest.mark.parametrize(
    "answer, hint",
    [(12, "every word written"), (2, "more than once"), (0.4, "not a rate"), (5, "Align"), ("many", "whole number")],
)
def test_invented_wrong_counts_are_rejected(capsys, answer, hint):
    nb08.check_invented(answer)
    out = printed(capsys)
    assert out.startswith("Not yet.") and hint in out


def test_invented_right_count_passes(capsys):
    nb08.check_invented(4)
    assert printed(capsys).startswith("Correct! 4 words")
    nb08.check_invented(None)
    assert printed(capsys).startswith("Not yet. Set invented")
