#!/usr/bin/env bash
# Every measurement of results/live/README.md: bench-live in real time on long_speech and dense_speech, tiny.en
# and base, runs 1 to RUNS (default 2), each as a table (.txt), a per-pass trace (.jsonl) and a figure (.png);
# then dense_speech with tiny.en and the buffer trimmed only after whole segments (as before issue 11).
# Run from the repository root on an idle machine:  bash results/live/measure.sh   (about 25 minutes for RUNS=2)
set -euo pipefail
RUNS=${RUNS:-2}
OUT=results/live
for run in $(seq 1 "$RUNS"); do
  for model in tiny.en base; do
    for clip in long_speech dense_speech; do
      name="$OUT/${clip}_${model}_run${run}"
      python -m course_utils bench-live --clip "$clip" --model "$model" --policy agreement --chunk 1 --plot "$name.png" --trace "$name.jsonl" \
        > "$name.txt"
    done
  done
done
name="$OUT/dense_speech_tiny.en_trim-segments_run1"
python -m course_utils bench-live --clip dense_speech --policy agreement --chunk 1 --trim segments --plot "$name.png" --trace "$name.jsonl" > "$name.txt"
