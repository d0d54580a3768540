"""AlignAtt: a commit policy that decodes the buffer itself, token by token, and stops where attention reaches the end.

Taught in notebooks/05_live_transcription.ipynb ("AlignAtt: commit what the decoder has stopped listening for"),
after notebooks/07_inside_whisper.ipynb's cross-attention maps. AlignAtt (Papi et al., Interspeech 2023; used by
Simul-Whisper and ufal/SimulStreaming) needs one pass per piece of new audio, not two passes that agree:

- the decoder continues from the tokens already committed (they are its prefix, never decoded again), one token at
  a time, with its key-value cache kept across the tokens of the pass;
- after each token, the alignment heads' cross-attention (normalised and median-filtered as ``whisper.timing``
  does: :func:`course_utils.alignment.alignment_matrix`) gives the encoder frame the token attends to most;
- a token that attends to the last ``frame_threshold`` frames (20 ms each) of the audio is heard at the very edge
  of the buffer and may still change: decoding stops, and its word is shown as tentative (grey). The words before
  it are committed; at end-of-text every word is. Transcribing, a token the decoder is unsure of (probability under
  ``UNSURE_PROBABILITY``) is tentative within ``UNSURE_FRAME_THRESHOLD`` frames (1 s) of the end: it waits for
  more of the word that follows it; a token it is sure of (``SURE_PROBABILITY``), within ``SURE_FRAME_THRESHOLD``
  (0.4 s). (Not translating: several English words fit the same speech, so its tokens are less sure by nature, and
  the wait made live translation fall behind: results/live/unsure.md.) Transcribing, a token that attends more
  than ``BACKWARD_FRAMES`` (0.5 s) before both tokens before it (a pass's first: before the start of the last
  committed word, as the pass that committed it found it) begins a repeat of words already heard (speech goes
  forward): decoding ends there, as at end-of-text. With the live loop's voice activity detector (VAD), transcribing:
  a token attending more than ``BEFORE_SPEECH_FRAMES`` (0.5 s) before the speech the VAD first heard in a buffer
  with no committed words hears silence (the end of a pause, kept in the buffer) and is invented, often from the
  prompt: decoding ends there; and once the VAD has heard no speech for the buffer's last ``SILENT_END_S`` (1 s),
  the speech has ended, so nothing in the buffer can change and no token is tentative: the pass decodes to
  end-of-text (a word otherwise keeps attending to the end of the audio through a pause).

The buffer is cut where the decoder has finished: in a pause after the committed words (end-of-text and
``PAUSE_S`` without a word, keeping the pause's last ``KEEP_AFTER_PAUSE_S``; and, when the live loop has a voice
activity detector, no speech it heard after them: a decoder that missed words must not throw their audio away, so
then the cut goes right after the committed words and the decoder starts afresh on all the audio it missed; when
translating, once it has missed ``MISSED_SPEECH_S`` of speech),
and, once it is longer than ``max_buffer_s``, after its last committed sentence (or word) whose end is known (the
next word's start: not the tentative word's, whose token attends to the end of the audio), located by the tokens'
attended frames; the committed words cut off leave the decoder's prefix and become the prompt. Word times are
those attended frames (source seconds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import whisper
from whisper.audio import HOP_LENGTH
from whisper.model import disable_sdpa
from whisper.tokenizer import Tokenizer, get_tokenizer

from ..alignment import FRAME_S, alignment_matrix, median_filter
from ..audio import SAMPLE_RATE
from ..models import use_fp16
from ..segments import log_mel_window
from .policies import KEEP_S, SENTENCE_ENDS, Decision, _keep_last
from .words import Word, word_key

FRAME_THRESHOLD = 25  # encoder frames (20 ms each: 0.5 s): a token attending this close to the end is tentative
UNSURE_PROBABILITY = 0.6  # a token the decoder gives less than this probability is unsure, and waits longer:
UNSURE_FRAME_THRESHOLD = 50  # encoder frames (1 s): an unsure token attending this close to the end is tentative
SURE_PROBABILITY = 0.9  # a token the decoder gives at least this probability is sure, and waits less:
SURE_FRAME_THRESHOLD = 20  # encoder frames (0.4 s): a sure token attending this close to the end is tentative
ALIGNATT_MAX_BUFFER_S = 18.0  # seconds: past this the buffer is cut after its last committed sentence (or word)
WITHOUT_SPACES = {"zh", "ja", "th", "lo", "my", "yue"}  # languages whose words Whisper splits without spaces
ENCODE_MARGIN = 100  # log-Mel frames (10 ms) of padding kept after the audio when the encoder is not padded to 30 s
MIN_WINDOW = 1000  # log-Mel frames (10 s) encoded at least then: Whisper is lost on a few seconds without padding,
# and its key-value cache hook keeps cross-attention keys whole only above 448 encoder frames (8.96 s)
TITLES = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "vs", "etc"}  # end with "." inside a sentence
PAUSE_S = 1.5  # seconds after the committed words in which the decoder heard nothing: a pause, the buffer is cut
KEEP_AFTER_PAUSE_S = 1.0  # seconds at the end of such a pause kept in the buffer (a word may be starting)
VAD_TAIL_S = 0.5  # seconds after the committed words' end in which the VAD may still hear their last word's tail
MISSED_SPEECH_S = {"transcribe": 0.0, "translate": 3.0}  # seconds of speech after the committed words that the VAD
# heard and the decoder did not, before it starts afresh on them; translating, it waits for the next passes to hear
# them with their sentence's start (English for the end of a sentence alone goes wrong: results/live/translate_replay.py)
BACKWARD_FRAMES = 25  # encoder frames (0.5 s): a token attending this far before the two before it hears speech
# already transcribed, repeating it ("Press 8 to jump forwards. Press 8 to jump forwards."): decoding ends there
BEFORE_SPEECH_FRAMES = 25  # encoder frames (0.5 s): transcribing, with no committed words in the buffer, a token
# attending this far before the speech the VAD first heard in it hears silence: invented ("I'm not a young man." on
# the end of a pause, copied from the prompt: results/live/anchor.md, run 21): decoding ends there
SILENT_END_S = 1.0  # seconds: transcribing, after this long without speech for the VAD (longer than any token waits)
# the speech has ended: nothing in the buffer can change, so the pass decodes to end-of-text, no token tentative
LOOP_REPEATS = 3  # a run of tokens said this many times in a row is a decoding loop, not speech
LOOP_TOKENS = 8  # longest run of tokens looked for
TOKENS_PER_S = 8  # most new tokens per second of buffer a pass may decode (speech is about 3 to 4): stops loops


@dataclass
class TokenStep:
    """One decoded token and the encoder frame (20 ms each, from the buffer's start) it attends to most."""

    token: int
    frame: int
    probability: float = 1.0  # the decoder's probability of this token (softmax of its logits)


@dataclass
class PassResult:
    """What one AlignAtt pass decoded after the committed prefix: ``safe`` tokens, then (if decoding stopped at the
    audio's end) the ``edge`` token that attends to it; ``ended``: the decoder wrote end-of-text (or began a repeat)."""

    safe: list[TokenStep]
    edge: TokenStep | None
    ended: bool
    language: str
    frames: int  # encoder frames of real audio in the buffer
    rows: torch.Tensor | None = None  # the alignment heads' weights (heads, tokens from start of transcript, 1500)

    @property
    def attention(self) -> np.ndarray:
        """The pass's attention map, (tokens from the start of transcript, frames): normalised, median-filtered,
        heads averaged (:func:`course_utils.alignment.alignment_matrix`), as notebook 05 draws it."""
        return alignment_matrix(self.rows[:, None], _head_index(len(self.rows)), self.frames).numpy()


@dataclass
class CommittedWord:
    """A committed word still in the buffer, with the tokens that spell it (the next pass's prefix)."""

    word: Word
    tokens: list[int] = field(default_factory=list)


def most_attended_frames(rows: torch.Tensor, frames: int) -> torch.Tensor:
    """For each token, the encoder frame it attends to most. ``rows``: the alignment heads' cross-attention
    weights, shape (heads, tokens, 1500 frames), from the start of transcript on; ``frames``: encoder frames of real
    audio. Normalised over the tokens and median-filtered as ``whisper.timing`` does, heads averaged."""
    return alignment_matrix(rows[:, None], _head_index(len(rows)), frames).argmax(dim=-1)


def last_token_frame(rows: torch.Tensor, frames: int) -> int:
    """``most_attended_frames(rows, frames)[-1]``, computed for the last token alone: every token's weights
    normalise each frame (z-scores over the tokens), but only the last row is median-filtered. A pass asks this
    after every token, so the work per token stays proportional to the tokens, not to tokens x frames x 7."""
    weights = rows[:, :, :frames]
    weights = weights / weights.sum(dim=-1, keepdim=True)
    std, mean = torch.std_mean(weights, dim=-2, keepdim=True, unbiased=False)
    last = (weights[:, -1:] - mean) / std
    return int(median_filter(last).mean(dim=0)[-1].argmax())


class AttentionDecoder:
    """Greedy decoding of one buffer, token by token, reading the alignment heads' cross-attention after each.

    ``decode(audio, prefix, prompt, final)`` encodes the buffer once (with 1 s of padding and at least 10 s long:
    ``MIN_WINDOW``; ``pad=True``: padded to Whisper's 30 s window, which costs as much for any buffer),
    feeds the prompt, the start of transcript and the committed ``prefix`` tokens in one step, then one token at a
    time with the key-value cache; it stops at end-of-text, at a token attending to the last ``frame_threshold``
    frames (unless ``final``), at a token attending ``BACKWARD_FRAMES`` before the two before it, or (its first)
    before the start of the prefix's last word (transcribing: a repeat, dropped as if the decoder had written
    end-of-text), at a token attending ``BEFORE_SPEECH_FRAMES`` before ``speech_frame`` (transcribing: invented on
    silence, dropped as well), or after ``TOKENS_PER_S`` tokens per second of audio."""

    def __init__(
        self,
        model: whisper.Whisper,
        task: str = "transcribe",
        language: str | None = None,
        frame_threshold: int = FRAME_THRESHOLD,
        pad: bool = False,
    ) -> None:
        if task == "translate" and not model.is_multilingual:
            raise ValueError("task='translate' needs a multilingual model (e.g. base), not an English-only .en one.")
        self.model, self.task, self.frame_threshold, self.pad = model, task, frame_threshold, pad
        self.language = language if model.is_multilingual else "en"
        heads = model.alignment_heads.indices().T  # (layer, head) pairs
        self.heads = [(int(layer), int(head)) for layer, head in heads]
        self.dtype = torch.float16 if use_fp16(model) else torch.float32

    def tokenizer(self, language: str) -> Tokenizer:
        model = self.model
        return get_tokenizer(
            model.is_multilingual, num_languages=model.num_languages, language=language, task=self.task
        )

    @torch.no_grad()
    def decode(
        self,
        audio: np.ndarray,
        prefix: list[int],
        prompt: str = "",
        final: bool = False,
        heard_frame: int | None = None,
        speech_frame: int | None = None,
    ) -> PassResult:
        """Decode ``audio`` (16 kHz float32, at most 30 s) after the committed ``prefix`` tokens. ``heard_frame``:
        the encoder frame where the prefix's last word starts (None: not known), for the check for repeats;
        ``speech_frame``: the encoder frame where the VAD first heard speech in the buffer (None: not known)."""
        model = self.model
        num_frames = len(audio) // HOP_LENGTH  # log-Mel frames, 10 ms each
        frames = encoder_frames(audio)
        mel = log_mel_window(
            torch.from_numpy(np.ascontiguousarray(audio, np.float32)), model.dims.n_mels, 0, num_frames
        )
        mel = mel[None].to(model.device, self.dtype)
        window = max(2 * frames + ENCODE_MARGIN, MIN_WINDOW)  # log-Mel frames encoded when not padded to 30 s
        features = model.encoder(mel) if self.pad else encode_frames(model, mel[:, :, :window])
        language = self.language or _detect_language(model, features)
        tokenizer = self.tokenizer(language)
        context = []
        if prompt.strip():
            context = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())[-(model.dims.n_text_ctx // 2 - 1) :]]
        start = [*tokenizer.sot_sequence_including_notimestamps]
        tokens = torch.tensor([context + start + prefix], device=model.device)
        rows: list[torch.Tensor] = []  # per decoder call: (heads, new tokens, 1500)
        scores: dict[int, torch.Tensor] = {}
        layers = {layer for layer, _ in self.heads}

        def keep(layer: int):
            return lambda _module, _inputs, outputs: scores.__setitem__(layer, outputs[1][0])

        hooks = [model.decoder.blocks[i].cross_attn.register_forward_hook(keep(i)) for i in sorted(layers)]
        cache, cache_hooks = model.install_kv_cache_hooks()
        suppress = _suppressed(tokenizer, model.dims.n_vocab)
        safe: list[TokenStep] = []
        edge, ended = None, False
        # where the prefix's last word starts: a pass's first tokens may repeat it, or what came before it
        heard = [TokenStep(prefix[-1], heard_frame)] if prefix and heard_frame is not None else []
        limit = int(TOKENS_PER_S * len(audio) / SAMPLE_RATE) + 4
        try:
            with disable_sdpa():
                logits = model.decoder(tokens, features, kv_cache=cache)
                rows.append(self._head_rows(scores)[:, len(context) :])
                while len(safe) < limit:
                    step_logits = logits[0, -1].float()
                    step_logits[suppress] = -np.inf
                    if not prefix and not safe:  # as Whisper's SuppressBlank: no blank first token
                        step_logits[tokenizer.encode(" ") + [tokenizer.eot]] = -np.inf
                    probabilities = step_logits.softmax(dim=-1)
                    token = int(probabilities.argmax())
                    if token == tokenizer.eot:
                        ended = True
                        break
                    logits = model.decoder(torch.tensor([[token]], device=model.device), features, kv_cache=cache)
                    rows.append(self._head_rows(scores))
                    rows = [torch.cat(rows, dim=1)]
                    step = TokenStep(token, last_token_frame(rows[0], frames), float(probabilities[token]))
                    wait = frames_to_wait(step.probability, self.frame_threshold, self.task)
                    if not final and step.frame >= frames - wait:
                        edge = step
                        break
                    if self.task == "transcribe" and (
                        attends_back(step, heard + safe) or before_speech(step, speech_frame)
                    ):  # a repeat of words already heard, or words on silence: the decoder has nothing new to say
                        ended = True
                        break
                    safe.append(step)
                    looped = repeated_tail(prefix + [s.token for s in safe])
                    if looped:  # a loop ("a bit of a bit of a bit of"): its repeats wait, and decoding stops
                        looped = min(looped, len(safe))
                        edge, safe = safe[-looped], safe[:-looped]
                        break
        finally:
            for hook in hooks + cache_hooks:
                hook.remove()
        return PassResult(safe, edge, ended, language, frames, torch.cat(rows, dim=1))

    def _head_rows(self, scores: dict[int, torch.Tensor]) -> torch.Tensor:
        """The alignment heads' attention weights of the tokens just fed: (heads, tokens, 1500 frames)."""
        return torch.stack([scores[layer][head].float().softmax(dim=-1) for layer, head in self.heads])


def encoder_frames(audio: np.ndarray) -> int:
    """Encoder frames (20 ms each: two log-Mel frames of ``HOP_LENGTH`` samples) of real audio in ``audio``
    (16 kHz samples), at least 1."""
    return max(len(audio) // HOP_LENGTH // 2, 1)


def frames_to_wait(probability: float, frame_threshold: int = FRAME_THRESHOLD, task: str = "transcribe") -> int:
    """Encoder frames (20 ms each) before the end of the audio within which a token of this ``probability`` is
    tentative: ``frame_threshold``; transcribing, ``UNSURE_FRAME_THRESHOLD`` (if more) for a token the decoder is
    unsure of (under ``UNSURE_PROBABILITY``): a guess from a word's first syllables ("asked" for "ask") waits for more
    audio; and ``SURE_FRAME_THRESHOLD`` (if less) for a token it is sure of (``SURE_PROBABILITY`` or more), which
    more audio seldom changes. A translation's tokens are less sure by nature, so ``task="translate"`` keeps
    ``frame_threshold`` (results/live/unsure.md)."""
    if task == "translate":
        return frame_threshold
    if probability < UNSURE_PROBABILITY:
        return max(frame_threshold, UNSURE_FRAME_THRESHOLD)
    if probability >= SURE_PROBABILITY:
        return min(frame_threshold, SURE_FRAME_THRESHOLD)
    return frame_threshold


def attends_back(step: TokenStep, before: list[TokenStep]) -> bool:
    """Whether ``step`` attends more than ``BACKWARD_FRAMES`` frames before both tokens ``before`` it in the pass
    (for its first: the last committed word's first token; one token's attention may overshoot: tiny.en's " for" in
    JFK attends past " you"): speech goes forward, so such a token hears again audio already transcribed (a repeated
    phrase). A translation's words may come in another order than the speech's, so a translating pass does not ask."""
    return bool(before) and step.frame < min(s.frame for s in before[-2:]) - BACKWARD_FRAMES


def before_speech(step: TokenStep, speech_frame: int | None) -> bool:
    """Whether ``step`` attends more than ``BEFORE_SPEECH_FRAMES`` frames before ``speech_frame``, the encoder
    frame where the VAD first heard speech in the buffer (None: not known): a word there is heard in silence, so
    it is invented (on the silent end of a pause, tiny.en once wrote the prompt's "not a young man" again)."""
    return speech_frame is not None and step.frame < speech_frame - BEFORE_SPEECH_FRAMES


def repeated_tail(tokens: list[int], times: int = LOOP_REPEATS, longest: int = LOOP_TOKENS) -> int:
    """How many tokens at the end of ``tokens`` repeat, ``times`` times in a row, a run of at most ``longest``
    tokens just before them (0: none). Greedy decoding can fall into such a loop, and each token of it may attend to
    audio well before the end, so AlignAtt alone would commit it."""
    for n in range(1, longest + 1):
        tail = tokens[len(tokens) - n :]
        if len(tokens) >= n * times and all(
            tokens[len(tokens) - (k + 1) * n : len(tokens) - k * n] == tail for k in range(1, times)
        ):
            return n * (times - 1)
    return 0


def encode_frames(model: whisper.Whisper, mel: torch.Tensor) -> torch.Tensor:
    """Whisper's encoder on ``mel`` (1, n_mels, frames) without padding it to 30 s: its cost grows with the audio,
    where the padded window costs as much as 30 s whatever the buffer holds. The positional embedding is cut to
    the frames' length (Whisper was trained on 30 s windows only: check the WER)."""
    encoder = model.encoder
    x = torch.nn.functional.gelu(encoder.conv1(mel))
    x = torch.nn.functional.gelu(encoder.conv2(x)).permute(0, 2, 1)
    x = (x + encoder.positional_embedding[: x.shape[1]]).to(x.dtype)
    for block in encoder.blocks:
        x = block(x)
    return encoder.ln_post(x)


def _head_index(n: int) -> torch.Tensor:
    return torch.stack([torch.arange(n), torch.zeros(n, dtype=torch.long)], dim=1)


def _detect_language(model: whisper.Whisper, features: torch.Tensor) -> str:
    """The language whose token the decoder finds likeliest after start-of-transcript, as
    ``whisper.detect_language`` does, on encoder ``features`` of any length (that function re-encodes anything not
    shaped like a 30 s window)."""
    tokenizer = get_tokenizer(True, num_languages=model.num_languages)
    logits = model.logits(torch.tensor([[tokenizer.sot]], device=features.device), features)[0, 0]
    languages = list(tokenizer.all_language_tokens)
    best = int(logits[languages].argmax())
    return tokenizer.all_language_codes[best]


def _suppressed(tokenizer: Tokenizer, n_vocab: int) -> list[int]:
    """Tokens greedy decoding never writes, as Whisper's defaults: non-speech symbols and every special token
    after end-of-text (start of transcript, languages, tasks, timestamps)."""
    return [*tokenizer.non_speech_tokens, *range(tokenizer.eot + 1, n_vocab)]


class AlignAttPolicy:
    """The AlignAtt commit policy (module docstring). Unlike :class:`SegmentCommitPolicy` and
    :class:`LocalAgreementPolicy`, which judge the words of a whole-buffer pass, it decodes the buffer itself:
    :meth:`pass_over` is the whole pass. ``decoder``: an :class:`AttentionDecoder` (made from the model on the
    first pass when None; tests give a scripted one)."""

    name = "alignatt"

    def __init__(
        self,
        task: str = "transcribe",
        language: str | None = None,
        frame_threshold: int = FRAME_THRESHOLD,
        max_buffer_s: float = ALIGNATT_MAX_BUFFER_S,
        keep_s: float = KEEP_S,
        pad: bool = False,
        decoder: AttentionDecoder | None = None,
    ) -> None:
        self.task, self.language, self.frame_threshold, self.pad = task, language, frame_threshold, pad
        self.max_buffer_s, self.keep_s = max_buffer_s, keep_s
        self.decoder = decoder
        self.committed: list[Word] = []  # everything committed so far
        self.in_buffer: list[CommittedWord] = []  # committed words whose audio is still in the buffer
        self.last: PassResult | None = None  # the latest pass (notebook 05 draws its attention map)
        # after a pass that stopped at an edge token: the buffer's start (source seconds), the encoder frames of
        # audio its token needs before it can be committed, and the tentative words (None: the next pass decodes)
        self.waiting: tuple[float, int, list[Word]] | None = None

    def pass_over(
        self,
        model: whisper.Whisper | None,
        audio: np.ndarray,
        start_s: float,
        end_s: float,
        prompt: str = "",
        final: bool = False,
        language: str | None = None,
        speech_until_s: float | None = None,
        speech_from_s: float | None = None,
    ) -> tuple[list[Word], Decision]:
        """Decode the buffer ``audio`` (source seconds ``start_s`` to ``end_s``) after the committed tokens;
        returns the words heard (committed and tentative) and the :class:`Decision`. ``speech_until_s``: source
        time where the voice activity detector last heard speech, ``speech_from_s``: where it first heard speech
        in the buffer (None: no detector, the decoder alone decides)."""
        frames = encoder_frames(audio)
        transcribing = self.task == "transcribe"
        speech_ended = transcribing and speech_until_s is not None and end_s - speech_until_s >= SILENT_END_S
        if (
            not final
            and not speech_ended
            and self.waiting is not None
            and self.waiting[0] == start_s
            and frames <= self.waiting[1]
        ):
            tentative = self.waiting[2]  # too little new audio to free the edge token: decoding would stop there
            return tentative, Decision([], tentative, None)
        if self.decoder is None:
            self.decoder = AttentionDecoder(model, self.task, self.language or language, self.frame_threshold, self.pad)
        prefix = [t for w in self.in_buffer for t in w.tokens]
        heard_frame = round((self.in_buffer[-1].word.start - start_s) / FRAME_S) if self.in_buffer else None
        speech_frame = None
        if transcribing and speech_from_s is not None and not self.in_buffer:
            speech_frame = round((speech_from_s - start_s) / FRAME_S)
        result = self.last = self.decoder.decode(
            audio, prefix, prompt, final or speech_ended, heard_frame, speech_frame
        )
        tokenizer = self.decoder.tokenizer(result.language)
        steps = result.safe + ([result.edge] if result.edge else [])
        words = _words(tokenizer, steps, start_s, result.frames)
        # the edge token is the last one: its word is unfinished and waits, tentative; the words before are final
        commit, tentative = (words[:-1], words[-1:]) if result.edge is not None else (words, [])
        new = [CommittedWord(w, [s.token for s in steps_]) for w, steps_ in commit]
        self.in_buffer += new
        self.committed += [c.word for c in new]
        trim = self._trim(result.ended, bool(tentative), start_s, end_s, speech_until_s, final)
        self.waiting = None
        if result.edge is not None and trim is None:
            wait = frames_to_wait(result.edge.probability, self.frame_threshold, self.task)
            self.waiting = (start_s, result.edge.frame + wait, [w for w, _ in tentative])
        heard = [c.word for c in new] + [w for w, _ in tentative]
        return heard, Decision([c.word for c in new], [w for w, _ in tentative], trim)

    def decide(self, segments: list[list[Word]], start_s: float, end_s: float, final: bool = False) -> Decision:
        """A pass the live loop skipped (silence, or no speech for the VAD): nothing heard, so nothing to commit;
        all but the last ``keep_s`` of the buffer is trimmed, and the committed words in it with it."""
        if any(segments):
            raise ValueError("AlignAttPolicy decodes the buffer itself: call pass_over, not decide, on heard words.")
        self.waiting = None
        trim = _keep_last(start_s, end_s, 0.0 if final else self.keep_s)
        if trim is not None:
            self.in_buffer = [c for c in self.in_buffer if c.word.end > trim]
        return Decision([], [], trim)

    def _trim(
        self, ended: bool, tentative: bool, start_s: float, end_s: float, speech_until_s: float | None, final: bool
    ) -> float | None:
        """Where to cut the buffer after a pass (module docstring), or None. ``ended``: the decoder wrote
        end-of-text (or began a repeat); ``tentative``: a word waits at the end."""
        heard_until = self._heard_until(start_s)
        if final:
            return self._cut_after(len(self.in_buffer)) if self.in_buffer else _keep_last(start_s, end_s, 0.0)
        if ended and not tentative and end_s - heard_until > PAUSE_S:  # no word for PAUSE_S after its last one
            if speech_until_s is None or speech_until_s <= heard_until + VAD_TAIL_S:  # nor did the VAD: a pause
                return self._cut_after(len(self.in_buffer), end_s - KEEP_AFTER_PAUSE_S)  # keep only its end
            missed_s = speech_until_s - heard_until  # speech the VAD heard after the committed words, the decoder not
            if self.in_buffer and missed_s > MISSED_SPEECH_S[self.task]:  # (a new language, say): it starts afresh
                return self._cut_after(len(self.in_buffer))  # on all that audio, its committed words the prompt
        if end_s - start_s <= self.max_buffer_s:
            return None
        if not self.in_buffer:  # an overlong buffer with nothing committed: the decoder hears no words there
            return self._cut_after(0, end_s - KEEP_AFTER_PAUSE_S)
        # a committed word ends where the next begins; where the tentative word begins is not known yet (its token
        # attends to the end of the audio), so a cut after the last committed word could take the next one's start
        closed = self.in_buffer[:-1] if tentative and len(self.in_buffer) > 1 else self.in_buffer
        sentences = [i + 1 for i, c in enumerate(closed) if ends_sentence(c.word)]
        return self._cut_after(sentences[-1] if sentences else len(closed))

    def _heard_until(self, start_s: float) -> float:
        """Source time where the committed words in the buffer end (its start when there are none)."""
        return self.in_buffer[-1].word.end if self.in_buffer else start_s

    def _cut_after(self, n: int, at_s: float | None = None) -> float:
        """Cut the buffer after its first ``n`` committed words (at their end, or at ``at_s``): they leave the
        prefix, and the live loop gives them to the next pass as the prompt. Returns the cut's source time."""
        cut_s = self.in_buffer[n - 1].word.end if at_s is None else at_s
        self.in_buffer = self.in_buffer[n:]
        return cut_s


def ends_sentence(word: Word) -> bool:
    """Whether ``word`` ends a sentence: it ends with ``SENTENCE_ENDS`` and is no title such as "Mr."."""
    return word.text.rstrip().endswith(SENTENCE_ENDS) and word.key not in TITLES


def _words(
    tokenizer: Tokenizer, steps: list[TokenStep], start_s: float, frames: int
) -> list[tuple[Word, list[TokenStep]]]:
    """The decoded ``steps`` as words with source times from their attended frames: a word starts at its first
    token's frame and ends where the next word starts (the last word: one frame after its last token's)."""
    if not steps:
        return []
    texts, word_tokens = tokenizer.split_to_word_tokens([s.token for s in steps])
    groups: list[tuple[str, list[TokenStep]]] = []
    i = 0
    for text, tokens in zip(texts, word_tokens):
        group = (text, steps[i : i + len(tokens)])
        i += len(tokens)
        spaced = tokenizer.task == "translate" or tokenizer.language not in WITHOUT_SPACES  # English out
        if groups and (not word_key(text) or (spaced and not text.startswith(" "))):
            groups[-1] = (groups[-1][0] + text, groups[-1][1] + group[1])  # punctuation, or the rest of a word
        elif groups and not word_key(groups[-1][0]):  # punctuation alone at the start: Whisper's filler, dropped
            groups[-1] = group
        else:
            groups.append(group)
    groups = [g for g in groups if word_key(g[0])]
    words = []
    for n, (text, word_steps) in enumerate(groups):
        begin = word_steps[0].frame
        end = groups[n + 1][1][0].frame if n + 1 < len(groups) else min(word_steps[-1].frame + 1, frames)
        end = max(end, begin + 1)
        words.append((Word(text, start_s + begin * FRAME_S, start_s + end * FRAME_S), word_steps))
    return words
