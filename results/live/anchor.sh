#!/usr/bin/env bash
# The anchor series of results/live/anchor.md: the kit's AlignAtt policy (bench-live at its defaults: AlignAtt,
# 0.25 s chunks as the browser sends) and ufal/SimulStreaming (as published, its default 1.2 s chunks; patched only
# to load the kit's checkpoint: results/live/anchor.patch), interleaved, in real time, on long_speech and
# dense_speech, tiny.en and base (MODELS: which), the runs numbered in RUNS (default "1 2"); in run 1 also
# SimulStreaming tiny.en with 0.5 s chunks; then live translation with base (translate_lag.py), once per run
# (TRANSLATE=0: not). SIMUL=none: the kit alone; HELDOUT=1: the kit also on the held-out clips of
# results/live/heldout.py (built first; HELDOUT_CLIPS: which). Run from the repository root on an idle machine, with
# SimulStreaming checked out and patched at $SIMUL:
#   git clone https://github.com/ufal/SimulStreaming $SIMUL && git -C $SIMUL checkout 077ea37 && git -C $SIMUL apply results/live/anchor.patch
set -uo pipefail
RUNS=${RUNS:-"1 2"}
SIMUL=${SIMUL:-/tmp/simulstreaming}
OUT=results/live/alignatt
ROOT=$(pwd)
mkdir -p "$OUT"
simul() {  # simul CLIP MODEL CHUNK NAME: SimulStreaming on a bundled clip in real time, its JSON lines to $OUT/NAME.jsonl
  local audio
  audio=$(python -c "import course_utils as cu; print(cu.clip('$1').path)")
  (cd "$SIMUL" && python simulstreaming_whisper.py "$audio" --lan en --task transcribe --min-chunk-size "$3" \
    --model_path "$HOME/.cache/whisper-lab/ct2-$2.pt") > "$ROOT/$OUT/$4.jsonl" 2> "$ROOT/$OUT/$4.log"
  python -m course_utils bench-anchor --emissions "$OUT/$4.jsonl" --clip "$1" --model "$2" > "$OUT/$4.json"
}
HELDOUT_DIR="$HOME/.cache/whisper-lab-data/heldout"
CLIPS="long_speech dense_speech"
if [ "${HELDOUT:-0}" = 1 ]; then
  python results/live/heldout.py
  CLIPS="$CLIPS ${HELDOUT_CLIPS:-heldout_long heldout_dense heldout_long2 heldout_dense2 heldout_long3 heldout_dense3}"
fi
kit() {  # kit CLIP MODEL NAME: bench-live on a bundled or held-out clip, its JSON to $OUT/NAME.json
  local what=(--clip "$1")
  case $1 in heldout_*) what=(--audio "$HELDOUT_DIR/$1.flac" --reference "$HELDOUT_DIR/$1.txt") ;; esac
  python -m course_utils bench-live "${what[@]}" --model "$2" --json --trace "$OUT/$3.jsonl" > "$OUT/$3.json"
}
for run in $RUNS; do
  for model in ${MODELS:-tiny.en base}; do
    for clip in $CLIPS; do
      kit "$clip" "$model" "${clip}_${model}_run${run}"
      case $clip in heldout_*) continue ;; esac
      [ "$SIMUL" = none ] && continue
      simul "$clip" "$model" 1.2 "simul_${clip}_${model}_run${run}"
      if [ "$run" = 1 ] && [ "$model" = tiny.en ]; then
        simul "$clip" "$model" 0.5 "simul-0.5s_${clip}_${model}_run${run}"
      fi
    done
  done
  [ "${TRANSLATE:-1}" = 0 ] || python results/live/translate_lag.py alignatt > "$OUT/translate_base_run${run}.json"
done
