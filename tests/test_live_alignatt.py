"""The AlignAtt commit policy (course_utils.live.alignatt): a scripted attention map and a scripted decoder decide
what is committed, what stays tentative and where the buffer is cut; one pass of tiny.en on JFK checks the decoder."""

from __future__ import annotations

import queue

import numpy as np
import pytest
import torch
from whisper.tokenizer import get_tokenizer

import course_utils as cu
from course_utils import live
from course_utils.live import alignatt
from course_utils.live.alignatt import (
    BACKWARD_FRAMES,
    BEFORE_SPEECH_FRAMES,
    FRAME_THRESHOLD,
    SURE_FRAME_THRESHOLD,
    SURE_PROBABILITY,
    UNSURE_FRAME_THRESHOLD,
    UNSURE_PROBABILITY,
    AttentionDecoder,
    PassResult,
    TokenStep,
    attends_back,
    before_speech,
    frames_to_wait,
    last_token_frame,
    most_attended_frames,
)
from course_utils.speech import VoiceDetector
from course_utils.wer import word_error_rate

TOKENIZER = get_tokenizer(False)  # tiny.en's


def attention_peaked_at(peaks: list[int], frames: int = 100, heads: int = 2) -> torch.Tensor:
    """Alignment heads' weights (heads, tokens, 1500 frames): token i attends to frame ``peaks[i]``."""
    generator = torch.Generator().manual_seed(0)
    rows = 1e-3 * torch.rand((heads, len(peaks), 1500), generator=generator)
    frame = torch.arange(1500)
    for i, peak in enumerate(peaks):  # a bump a few frames wide, as real attention is
        rows[:, i] += torch.exp(-0.5 * ((frame - peak) / 2.0) ** 2)
    return rows / rows.sum(dim=-1, keepdim=True)


def test_most_attended_frames_follow_the_peaks_within_the_audio():
    peaks = [8, 25, 50, 75, 92]  # z-scored over the tokens as whisper.timing does: apart, each keeps its peak
    found = most_attended_frames(attention_peaked_at(peaks), frames=100)
    assert np.abs(found.numpy() - peaks).max() <= 2  # within 40 ms of each peak


def steps(text: str, frames: list[int]) -> list[TokenStep]:
    tokens = TOKENIZER.encode(text)
    assert len(tokens) == len(frames), [TOKENIZER.decode([t]) for t in tokens]
    return [TokenStep(t, f) for t, f in zip(tokens, frames)]


class ScriptedDecoder:
    """Answers each pass with the next scripted :class:`PassResult`, and remembers the prefix it was given."""

    def __init__(self, *results: PassResult) -> None:
        self.results, self.prefixes, self.heard_frames = list(results), [], []
        self.finals, self.speech_frames = [], []

    def tokenizer(self, language: str):
        return TOKENIZER

    def decode(self, audio, prefix, prompt="", final=False, heard_frame=None, speech_frame=None) -> PassResult:
        self.prefixes.append(list(prefix))
        self.heard_frames.append(heard_frame)
        self.finals.append(final)
        self.speech_frames.append(speech_frame)
        return self.results.pop(0)


def result(safe, edge=None, ended=False, frames=150) -> PassResult:
    return PassResult(safe, edge, ended, "en", frames)


def test_a_token_attending_to_the_end_leaves_its_word_tentative_and_commits_the_words_before():
    ask = steps(" And so my fellow", [10, 30, 45, 60])
    edge = steps(" Americans", [140])[0]  # frame 140 of 150: within FRAME_THRESHOLD of the end
    assert 150 - edge.frame < FRAME_THRESHOLD
    policy = live.AlignAttPolicy(decoder=ScriptedDecoder(result(ask, edge)))
    heard, decision = policy.pass_over(None, np.zeros(48_000, np.float32), 10.0, 13.0)
    assert [w.text for w in decision.commit] == [" And", " so", " my", " fellow"]
    assert [w.text for w in decision.tentative] == [" Americans"]
    assert [w.text for w in heard] == [" And", " so", " my", " fellow", " Americans"]
    # word times are the attended frames (20 ms each) from the buffer's start; a word ends where the next begins
    assert decision.commit[0].start == pytest.approx(10.0 + 10 * 0.02)
    assert decision.commit[-1].end == pytest.approx(10.0 + 140 * 0.02)


def test_a_pass_with_too_little_new_audio_to_free_the_edge_token_is_not_decoded():
    said = steps(" And so my fellow", [10, 30, 45, 60])
    edge = steps(" Americans", [140])[0]  # 0.75 probability: it waits until the buffer has 140 + 25 frames
    edge.probability = 0.75
    decoder = ScriptedDecoder(*[result(said, edge) for _ in range(4)])
    policy = live.AlignAttPolicy(decoder=decoder)
    samples = 2 * 160  # audio samples per encoder frame (20 ms)
    heard, decision = policy.pass_over(None, np.zeros(150 * samples, np.float32), 10.0, 13.0)
    assert len(decoder.prefixes) == 1 and [w.text for w in decision.tentative] == [" Americans"]
    heard, decision = policy.pass_over(None, np.zeros(165 * samples, np.float32), 10.0, 13.3)
    assert len(decoder.prefixes) == 1  # 165 frames: " Americans" would still attend to the last 25
    assert decision.commit == [] and decision.trim_to_s is None and [w.text for w in heard] == [" Americans"]
    policy.pass_over(None, np.zeros(166 * samples, np.float32), 10.0, 13.32)
    assert len(decoder.prefixes) == 2  # one frame more: decoded again, after the words committed before
    assert decoder.prefixes[1] == [s.token for s in said]
    policy.pass_over(None, np.zeros(150 * samples, np.float32), 10.5, 13.5)  # the buffer was cut: decoded
    policy.pass_over(None, np.zeros(151 * samples, np.float32), 10.5, 13.52, final=True)  # the last pass: decoded
    assert len(decoder.prefixes) == 4


def test_a_token_attending_back_to_words_already_heard_is_a_repeat():
    press = steps(" Press 8 to jump forwards.", [0, 32, 39, 63, 97, 98])  # heldout_dense, 69.0 to 70.96 s
    again = steps(" Press", [0])[0]  # the decoder's next token went back to 69.0 s: a repeat
    assert attends_back(again, press)
    assert not attends_back(TokenStep(again.token, 97 - BACKWARD_FRAMES), press)  # 0.5 s back at most: not yet
    assert attends_back(TokenStep(again.token, 96 - BACKWARD_FRAMES), press)
    assert not attends_back(TokenStep(again.token, 99), press)  # the next word, forward
    assert not attends_back(again, [])  # nothing before it to go back from
    jfk = steps(" do for you", [411, 478, 425])  # tiny.en on JFK: " for" overshoots, " you" is no repeat
    assert not attends_back(jfk[2], jfk[:2])
    assert attends_back(TokenStep(jfk[2].token, 360), jfk[:2])  # more than 0.5 s before " do" as well


def test_a_token_the_decoder_is_unsure_of_waits_for_more_audio_than_a_sure_one():
    assert SURE_FRAME_THRESHOLD < FRAME_THRESHOLD < UNSURE_FRAME_THRESHOLD
    assert frames_to_wait(0.75) == frames_to_wait(UNSURE_PROBABILITY) == FRAME_THRESHOLD  # neither, even at the bound
    assert frames_to_wait(SURE_PROBABILITY - 0.01) == FRAME_THRESHOLD
    assert frames_to_wait(UNSURE_PROBABILITY - 0.01) == frames_to_wait(0.42) == UNSURE_FRAME_THRESHOLD  # "asked"
    assert frames_to_wait(SURE_PROBABILITY) == frames_to_wait(0.99) == SURE_FRAME_THRESHOLD  # sure, from the bound on
    assert frames_to_wait(0.42, frame_threshold=80) == 80  # never less than the threshold asked for
    assert frames_to_wait(0.99, frame_threshold=10) == 10  # nor more
    for probability in (0.42, 0.75, 0.99):  # a translation's tokens are less sure by nature: one threshold for all
        assert frames_to_wait(probability, task="translate") == FRAME_THRESHOLD


def test_a_word_split_across_tokens_waits_whole_when_its_last_token_attends_to_the_end():
    tokens = steps(" ill-disposed", [20, 30, 40, 140][: len(TOKENIZER.encode(" ill-disposed"))])
    *safe, edge = tokens
    policy = live.AlignAttPolicy(decoder=ScriptedDecoder(result(steps(" the", [5]) + safe, edge)))
    _, decision = policy.pass_over(None, np.zeros(48_000, np.float32), 0.0, 3.0)
    assert [w.text for w in decision.commit] == [" the"]
    assert [w.text for w in decision.tentative] == [" ill-disposed"]


def test_committed_tokens_are_the_next_pass_prefix_and_are_never_decoded_again():
    first = steps(" ask not", [10, 20])
    decoder = ScriptedDecoder(
        result(first, steps(" what", [145])[0]),
        result(steps(" what your country", [30, 60, 90]), ended=True, frames=200),
    )
    policy = live.AlignAttPolicy(decoder=decoder)
    _, one = policy.pass_over(None, np.zeros(48_000, np.float32), 0.0, 3.0)
    _, two = policy.pass_over(None, np.zeros(64_000, np.float32), 0.0, 4.0)
    assert decoder.prefixes == [[], [s.token for s in first]]
    assert live.join_words(one.commit + two.commit) == "ask not what your country"
    assert [w.text for w in policy.committed] == [" ask", " not", " what", " your", " country"]


def test_an_overlong_buffer_is_cut_at_a_committed_sentence_end_found_by_attention():
    decoder = ScriptedDecoder(
        result(steps(" Thank you. And so", [10, 40, 60, 100, 120]), steps(" my", [190])[0], frames=200)
    )
    policy = live.AlignAttPolicy(max_buffer_s=3.0, decoder=decoder)
    _, decision = policy.pass_over(None, np.zeros(64_000, np.float32), 5.0, 9.0)
    assert [w.text for w in decision.commit] == [" Thank", " you.", " And", " so"]
    assert decision.trim_to_s == pytest.approx(5.0 + 100 * 0.02)  # where " And" begins: the end of " you."
    assert [w.word.text for w in policy.in_buffer] == [" And", " so"]  # the next pass's prefix


def test_a_long_buffer_is_cut_after_its_last_word_with_a_known_end_and_a_silent_one_keeps_its_end():
    decoder = ScriptedDecoder(result(steps(" on and on", [100, 300, 500]), steps(" and", [760])[0], frames=800))
    policy = live.AlignAttPolicy(max_buffer_s=12.0, decoder=decoder)
    _, decision = policy.pass_over(None, np.zeros(16 * 16_000, np.float32), 0.0, 16.0)
    # the last " on" ends where the tentative " and" begins, unknown (its token attends to the end): cut before it
    assert decision.trim_to_s == pytest.approx(500 * 0.02) and [c.word.text for c in policy.in_buffer] == [" on"]
    assert policy.decide([], 16.0, 20.0).trim_to_s == pytest.approx(18.0)  # nothing heard: keep the last 2 s


def test_a_sentence_end_before_a_tentative_word_is_not_a_cut():
    # "... telemarketers." committed, " Please" tentative at the audio's end: cutting after "telemarketers." would
    # cut at the end of the audio, into "Please"; the cut goes after the sentence before
    said = steps(" Hold on. All telemarketers.", [20, 60, 61, 300, 500, 520, 540, 541])
    decoder = ScriptedDecoder(result(said, steps(" Please", [790])[0], frames=800))
    policy = live.AlignAttPolicy(max_buffer_s=12.0, decoder=decoder)
    _, decision = policy.pass_over(None, np.zeros(16 * 16_000, np.float32), 0.0, 16.0)
    assert live.join_words(decision.commit) == "Hold on. All telemarketers."
    assert decision.trim_to_s == pytest.approx(300 * 0.02)  # where " All" begins
    assert [c.word.text for c in policy.in_buffer] == [" All", " telemarketers."]


def test_attention_decoder_on_jfk_stops_at_the_end_of_cut_audio_and_finishes_on_the_last_pass(tiny_en, jfk_audio):
    decoder = AttentionDecoder(tiny_en)
    cut = decoder.decode(jfk_audio[: int(5.5 * cu.SAMPLE_RATE)], [])
    assert cut.edge is not None and cut.edge.frame >= cut.frames - FRAME_THRESHOLD
    assert all(s.frame < cut.frames - FRAME_THRESHOLD for s in cut.safe)
    whole = decoder.decode(jfk_audio, [], final=True)
    text = TOKENIZER.decode([s.token for s in whole.safe])
    assert whole.ended and word_error_rate(cu.clip("jfk").transcript, text).wer < 0.1
    frames = [s.frame for s in whole.safe]
    assert frames[-1] > frames[0] and whole.attention.shape[1] == whole.frames


def test_a_passes_first_token_is_checked_for_a_repeat_against_the_last_committed_word(tiny_en, jfk_audio, monkeypatch):
    decoder = AttentionDecoder(tiny_en)
    prefix = TOKENIZER.encode(" And so my fellow Americans, ask not what your country can do for you,")
    you = 425  # the encoder frame " you" attends to in JFK (8.5 s)
    went_on = decoder.decode(jfk_audio, prefix, heard_frame=you)
    assert TOKENIZER.decode([s.token for s in went_on.safe]).startswith(" ask what you")  # forward from " you"
    # heldout_long2: after "... use the directory. Press" a pass began " 1 to enter an extension" again, its first
    # token attending 3 s back; make every new token attend to the audio's start
    monkeypatch.setattr(alignatt, "last_token_frame", lambda rows, frames: 0)
    again = decoder.decode(jfk_audio, prefix, heard_frame=you)
    assert again.ended and again.safe == [] and again.edge is None  # a repeat: nothing new, nothing tentative
    assert decoder.decode(jfk_audio, prefix, heard_frame=BACKWARD_FRAMES).safe  # 0.5 s back at most: no repeat


# run 21 of results/live/anchor.md: after a pause cut, tiny.en's pass on long_speech from 41.791 to 43.291 s (the
# pause's kept last second, then the first syllable of "he might even") wrote this prompt's "not a young man" again
PAUSE_PROMPT = (
    "as not an old-sposed young man. Unless to be rather cold-hearted and rather selfish is to be old-sposed. Had he"
    " married a more amiable woman he might have been made still more respectable than he was."
)


def test_words_heard_before_the_speech_are_invented_and_end_the_pass(tiny_en):
    audio = cu.load_audio(cu.clip("long_speech").path)
    start, end = round(41.791 * cu.SAMPLE_RATE), round(43.291 * cu.SAMPLE_RATE)
    voice = VoiceDetector()
    voice.feed(audio[:end])
    speech_from = voice.speech_from(start)
    assert 1.0 < (speech_from - start) / cu.SAMPLE_RATE < 1.4  # the VAD hears "he" begin at about 43.1 s
    speech_frame = round((speech_from - start) / cu.SAMPLE_RATE / alignatt.FRAME_S)
    decoder = AttentionDecoder(tiny_en)
    invented = decoder.decode(audio[start:end], [], PAUSE_PROMPT)  # without the check: words on the silence
    assert "not a young" in TOKENIZER.decode([s.token for s in invented.safe])
    assert [s.frame < speech_frame - BEFORE_SPEECH_FRAMES for s in invented.safe][:4] == [True] * 4
    checked = decoder.decode(audio[start:end], [], PAUSE_PROMPT, speech_frame=speech_frame)
    assert checked.ended and checked.safe == [] and checked.edge is None  # nothing invented, nothing tentative


def test_a_token_is_before_the_speech_only_more_than_half_a_second_before_it():
    assert before_speech(TokenStep(0, 74 - BEFORE_SPEECH_FRAMES), 75)
    assert not before_speech(TokenStep(0, 75 - BEFORE_SPEECH_FRAMES), 75)
    assert not before_speech(TokenStep(0, 0), None)  # no VAD: not known


def test_the_vad_says_where_speech_began_after_a_sample():
    voice = VoiceDetector()
    silence, speech = np.zeros(cu.SAMPLE_RATE, np.float32), cu.load_audio(cu.clip("jfk").path)[: cu.SAMPLE_RATE * 3]
    voice.feed(np.concatenate([silence, speech, silence]))
    first = voice.speech_from(0)
    assert cu.SAMPLE_RATE <= first < 1.6 * cu.SAMPLE_RATE  # JFK's "And so" after a second of silence
    assert voice.speech_from(2 * cu.SAMPLE_RATE) == 2 * cu.SAMPLE_RATE  # in the middle of speech: there
    assert voice.speech_from(voice.speech_until) is None  # nothing after the last speech


def test_the_policy_tells_the_decoder_where_speech_begins_only_before_anything_is_committed():
    said = steps(" And so my fellow", [10, 30, 45, 60])
    decoder = ScriptedDecoder(result(said, steps(" Americans", [140])[0]), result([], ended=True))
    policy = live.AlignAttPolicy(decoder=decoder)
    policy.pass_over(None, np.zeros(48_000, np.float32), 10.0, 13.0, speech_until_s=12.9, speech_from_s=10.5)
    policy.pass_over(None, np.zeros(56_000, np.float32), 10.0, 13.5, speech_until_s=13.4, speech_from_s=10.5)
    assert decoder.speech_frames == [25, None]  # 0.5 s into the buffer; then words are committed in it
    translating = ScriptedDecoder(result(said))
    live.AlignAttPolicy("translate", decoder=translating).pass_over(
        None, np.zeros(48_000, np.float32), 10.0, 13.0, speech_until_s=12.9, speech_from_s=10.5
    )
    assert translating.speech_frames == [None]  # a translation's words may attend anywhere in the sentence


def test_once_the_vad_heard_a_second_without_speech_no_word_waits():
    # heldout_long3, run 21: " code" attended to the end of the buffer through a pause of 3 s, tentative all along
    said, edge = steps(" the area", [400, 503]), steps(" code", [516])[0]
    for task, speech_until_s, final in (
        ("transcribe", 9.95, False),  # speech 0.05 s before the end: " code" may go on
        ("transcribe", 9.05, False),  # 0.95 s without speech: a pause, but not yet SILENT_END_S
        ("transcribe", 9.0, True),  # a second: the speech has ended, the pass decodes to end-of-text
        ("transcribe", None, False),  # no VAD: the decoder alone decides
        ("translate", 8.0, False),  # translating: only attention decides (results/live/unsure.md)
    ):
        decoder = ScriptedDecoder(result(said, edge, frames=525), result(said, edge, frames=537))
        policy = live.AlignAttPolicy(task, decoder=decoder)
        policy.pass_over(None, np.zeros(168_000, np.float32), -0.5, 10.0, speech_until_s=speech_until_s)
        assert decoder.finals == [final], (task, speech_until_s)
        policy.pass_over(None, np.zeros(171_200, np.float32), -0.5, 10.25, speech_until_s=speech_until_s)
        # 535 frames: too few to free " code" (skipped) unless the speech has ended (decoded to end-of-text)
        assert decoder.finals[1:] == ([True] if final or speech_until_s == 9.05 else []), (task, speech_until_s)


def test_the_policy_tells_the_decoder_where_the_last_committed_word_starts():
    said = steps(" And so my fellow", [10, 30, 45, 60])
    decoder = ScriptedDecoder(result(said, steps(" Americans", [140])[0]), result([], ended=True))
    policy = live.AlignAttPolicy(decoder=decoder)
    policy.pass_over(None, np.zeros(48_000, np.float32), 10.0, 13.0)
    policy.pass_over(None, np.zeros(56_000, np.float32), 10.0, 13.5)
    assert decoder.heard_frames == [None, 60]  # nothing committed yet; then " fellow", 10.0 + 60 x 20 ms


def test_a_pause_after_the_committed_words_cuts_the_buffer_but_keeps_the_pause_end():
    decoder = ScriptedDecoder(result(steps(" Thank you.", [10, 40, 41]), ended=True, frames=200))
    policy = live.AlignAttPolicy(decoder=decoder)
    _, decision = policy.pass_over(None, np.zeros(64_000, np.float32), 5.0, 9.0)
    assert live.join_words(decision.commit) == "Thank you." and decision.tentative == []
    assert decision.trim_to_s == pytest.approx(9.0 - 1.0) and policy.in_buffer == []


def test_speech_the_decoder_missed_is_kept_and_decoded_afresh_after_the_committed_words():
    # "The" (ends at 5.82 s), then end-of-text: the decoder heard nothing more, but the VAD heard speech until 9.9 s.
    # Missed words: the cut goes right after "The", keeping all of them (not at the pause's end, 9.0 s, which would
    # throw them away; nor never, which left a new language unheard until the buffer overflowed). Translating, the
    # buffer stays whole until 3 s are missed (not at 7.5 s): the next passes hear them with their sentence's start.
    cases = (  # task, VAD's speech until, cut: missed words; fewer; the tail of "The"; no VAD
        *[(task, 9.9, 5.82) for task in ("transcribe", "translate")],
        *[("transcribe", 7.5, 5.82), ("translate", 7.5, None)],
        *[(task, until, 9.0) for task in ("transcribe", "translate") for until in (6.3, None)],
    )
    for task, speech_until_s, cut in cases:
        decoder = ScriptedDecoder(result(steps(" The", [40]), ended=True, frames=250))
        policy = live.AlignAttPolicy(task, decoder=decoder)
        audio = np.zeros(80_000, np.float32)
        _, decision = policy.pass_over(None, audio, 5.0, 10.0, speech_until_s=speech_until_s)
        assert live.join_words(decision.commit) == "The", (task, speech_until_s)
        assert decision.trim_to_s == pytest.approx(cut), (task, speech_until_s)
        assert [c.word.text for c in policy.in_buffer] == ([] if cut else [" The"]), (task, speech_until_s)


def test_no_cut_while_the_decoder_heard_a_word_lately_or_has_nothing_committed_to_cut_after():
    for words, frames in (([" The"], [170]), ([], [])):  # "The" ends 0.6 s before the end; nothing committed
        decoder = ScriptedDecoder(result(steps("".join(words), frames), ended=True, frames=200))
        policy = live.AlignAttPolicy(decoder=decoder)
        _, decision = policy.pass_over(None, np.zeros(64_000, np.float32), 5.0, 9.0, speech_until_s=8.8)
        assert decision.trim_to_s is None, words


def test_an_overlong_buffer_without_committed_words_keeps_its_end():
    decoder = ScriptedDecoder(result([], ended=True, frames=950))
    policy = live.AlignAttPolicy(max_buffer_s=18.0, decoder=decoder)
    _, decision = policy.pass_over(None, np.zeros(19 * 16_000, np.float32), 0.0, 19.0, speech_until_s=18.9)
    assert decision.commit == [] and decision.trim_to_s == pytest.approx(18.0)


def test_the_live_loop_hands_alignatt_the_pass_and_trims_where_it_cuts():
    chunks = queue.Queue()
    chunks.put(np.full(4 * cu.SAMPLE_RATE, 0.1, np.float32))
    decoder = ScriptedDecoder(result(steps(" Thank you.", [10, 40, 41]), ended=True, frames=200))
    transcriber = live.LiveTranscriber(None, live.QueueSource(chunks), live.AlignAttPolicy(decoder=decoder), vad=False)
    transcriber.pull()
    transcriber.step()
    assert transcriber.text == "Thank you." and transcriber.buffer.start_s == pytest.approx(3.0)
    assert transcriber.passes[0].commit == tuple(transcriber.committed)


def test_alignatt_is_the_default_and_refuses_a_replacement_for_whisper():
    source = live.QueueSource(queue.Queue())
    assert isinstance(live.LiveTranscriber(None, source).policy, live.AlignAttPolicy)
    scripted = live.LiveTranscriber(None, source, transcribe_fn=lambda audio, prompt: {"segments": []})
    assert isinstance(scripted.policy, live.LocalAgreementPolicy)  # a scripted Whisper's words need judging
    with pytest.raises(ValueError, match="decodes the buffer itself"):
        live.LiveTranscriber(None, source, "alignatt", transcribe_fn=lambda audio, prompt: {"segments": []})


def test_the_last_tokens_frame_alone_is_the_last_row_of_the_whole_map():
    rows = attention_peaked_at([8, 25, 50, 75, 92])
    assert last_token_frame(rows, 100) == most_attended_frames(rows, 100)[-1]
    assert last_token_frame(rows[:, :3], 100) == most_attended_frames(rows[:, :3], 100)[-1]


def test_a_decoding_loop_is_found_at_the_end_of_the_tokens():
    bit = TOKENIZER.encode(" a bit of")
    assert live.alignatt.repeated_tail(TOKENIZER.encode(" I'm sorry") + bit * 3) == 2 * len(bit)
    assert live.alignatt.repeated_tail(TOKENIZER.encode(" I'm sorry") + bit * 2) == 0  # said twice: speech
    assert live.alignatt.repeated_tail(TOKENIZER.encode(" no no no")) == 2
