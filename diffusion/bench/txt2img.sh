#!/usr/bin/env bash
# Text-to-image benchmark: Txt2ImgBenchmark for each dtype, as Markdown table rows.
#   diffusion/bench/txt2img.sh MODEL_DIR [cpu|cuda] [java launcher]   (build first: mvn -B package -DskipTests)
# STEPS (50), SIZE (512), RUNS (3), SCHEDULER (dpmpp_2m), DTYPES ('float32 float16'), PROMPTS ('1': the
# numbers of different prompts drawn as one batch, e.g. '1 4') and LORAS ('0': the numbers of distinct random
# LoRAs the prompts take in turn, e.g. '0 1 4') set the run; CP overrides the class path; JAVA_OPTS is passed to the
# JVM (e.g. -Dsdtune.cuda.provider_options=arena_extend_strategy=kSameAsRequested). On cuda the last column is the
# GPU's peak memory in use (nvidia-smi, 50 ms samples).
set -euo pipefail
model=$1
device=${2:-cpu}
java=${3:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
header="| model | device | dtype | size | steps | prompts | LoRAs | first run s (incl. sessions) | generation s | UNet step ms | peak RSS MiB |"
[ "$device" = cpu ] || header="$header peak GPU MiB |"
echo "$header"
for dtype in ${DTYPES:-float32 float16}; do
  for prompts in ${PROMPTS:-1}; do
  for loras in ${LORAS:-0}; do
    # shellcheck disable=SC2206 # JAVA_OPTS is a word list
    run=("$java" ${JAVA_OPTS:-} -Xmx16g -cp "$cp" io.sdtune.diffusion.benchmark.Txt2ImgBenchmark --model "$model" --device "$device"
         --dtype "$dtype" --steps "${STEPS:-50}" --size "${SIZE:-512}" --runs "${RUNS:-3}" --scheduler "${SCHEDULER:-dpmpp_2m}"
         --prompts "$prompts" --loras "$loras")
    if [ "$device" = cpu ]; then
      "${run[@]}" | tail -1
    else
      log=$(mktemp)
      nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 50 > "$log" &
      smi=$!
      row=$("${run[@]}" | tail -1)
      kill "$smi"
      echo "$row $(sort -n "$log" | tail -1) |"
    fi
  done
  done
done
