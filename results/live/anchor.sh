#!/usr/bin/env bash
# The anchor series of results/live/anchor.md: the kit's AlignAtt policy (bench-live --policy alignatt) and
# ufal/SimulStreaming (as published, patched only to load the kit's checkpoint: results/live/anchor.patch),
# interleaved, in real time, on long_speech and dense_speech, tiny.en and base, runs 1 to RUNS (default 2);
# then live translation with base (translate_lag.py). Both systems get 0.5 s chunks. Run from the repository root
# on an idle machine, with SimulStreaming checked out and patched at $SIMUL:
#   git clone https://github.com/ufal/SimulStreaming $SIMUL && git -C $SIMUL checkout 077ea37 && git -C $SIMUL apply results/live/anchor.patch
set -uo pipefail
RUNS=${RUNS:-2}
SIMUL=${SIMUL:-/tmp/simulstreaming}
OUT=results/live/alignatt
ROOT=$(pwd)
mkdir -p "$OUT"
for run in $(seq 1 "$RUNS"); do
  for model in tiny.en base; do
    for clip in long_speech dense_speech; do
      name="$OUT/${clip}_${model}_run${run}"
      python -m course_utils bench-live --clip "$clip" --model "$model" --policy alignatt --chunk 0.5 --json \
        --trace "$name.jsonl" > "$name.json"
      audio=$(python -c "import course_utils as cu; print(cu.clip('$clip').path)")
      (cd "$SIMUL" && python simulstreaming_whisper.py "$audio" --lan en --task transcribe --min-chunk-size 0.5 \
        --model_path "$HOME/.cache/whisper-lab/ct2-$model.pt") > "$ROOT/$OUT/simul_${clip}_${model}_run${run}.jsonl" \
        2> "$ROOT/$OUT/simul_${clip}_${model}_run${run}.log"
    done
  done
done
for run in $(seq 1 "$RUNS"); do
  for model in tiny.en base; do
    for clip in long_speech dense_speech; do
      python -m course_utils bench-anchor --emissions "$OUT/simul_${clip}_${model}_run${run}.jsonl" --clip "$clip" \
        --model "$model" > "$OUT/simul_${clip}_${model}_run${run}.json"
    done
  done
done
python results/live/translate_lag.py alignatt > "$OUT/translate_base.json"
