"""The course's benchmarks: each measures one thing, prints a table and (most) write what they measured under results/.

Each module is a command of ``python -m course_utils`` with a ``main(argv) -> int``:

- :mod:`~course_utils.bench.speed` (``bench``): load time, real-time factor and peak memory of models on the bundled
  English speech, each model in a process of its own.
- :mod:`~course_utils.bench.wer` (``bench-wer``): word error rate and real-time factor of models on every clip of a
  manifest, with three plots (notebooks/04_model_sizes_wer.ipynb).
- :mod:`~course_utils.bench.live` (``bench-live``): live chunked transcription of a file played in real time: dropped
  samples, commit latency, longest buffer, WER (notebooks/05_live_transcription.ipynb).
- :mod:`~course_utils.bench.pass_cost` (``bench-pass-cost``): CPU seconds of one live pass against the buffer's length
  and the prompt (results/live/README.md).
- :mod:`~course_utils.bench.hallucination` (``bench-hallucination``): how often Whisper writes words nobody said,
  with and without each cure, rates with 95 % intervals (notebooks/08_hallucinations.ipynb).
- :mod:`~course_utils.bench.batch` (``bench-batch``): throughput of ``transcribe_batch`` against batch size, the
  encoder's and the decoder's seconds, peak memory and WER, faster-whisper beside
  (notebooks/09_batch_transcription.ipynb).
- :mod:`~course_utils.bench.gpu` (``bench-gpu``, also ``python tools/gpu_check.py``): the course on an NVIDIA GPU
  beside the CPU: device and fp16 chosen by themselves, speed-ups, the same words.

:mod:`~course_utils.bench.common` holds what they share: a model measured in a child process, the peak memory of a
stretch of work, the seconds in the encoder.
"""
