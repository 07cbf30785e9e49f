#!/usr/bin/env bash
# Engine benchmark: EngineBenchmark in each mode, one JVM per mode, as Markdown table rows.
#   diffusion/bench/engine.sh [cpu|cuda] [java launcher]      (build first: mvn -B package -DskipTests)
# STEPS, BATCH and DTYPES (e.g. 'float32 float16') set the run; CP overrides the class path (on the GPU machine: CP='.gpurun/*', launcher /tmp/gpukit/java.sh).
# On cuda the last column is the GPU's peak memory in use while the mode ran (nvidia-smi, 50 ms samples).
set -euo pipefail
device=${1:-cpu}
java=${2:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
steps=${STEPS:-20}
batch=${BATCH:-2}
header="| mode | device | dtype | batch | parameters | build ms | session ms | step ms (median) | peak RSS MiB |"
[ "$device" = cpu ] || header="$header peak GPU MiB |"
echo "$header"
for dtype in ${DTYPES:-float32}; do
  for mode in plain loop4 checkpointed; do
    if [ "$device" = cpu ]; then
      "$java" -cp "$cp" io.sdtune.diffusion.benchmark.EngineBenchmark --device cpu --mode "$mode" --dtype "$dtype" --steps "$steps" --batch "$batch"
    else
      log=$(mktemp)
      nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 50 > "$log" &
      smi=$!
      row=$("$java" -cp "$cp" io.sdtune.diffusion.benchmark.EngineBenchmark --device "$device" --mode "$mode" --dtype "$dtype" --steps "$steps" --batch "$batch" | tail -1)
      kill "$smi"
      echo "$row $(sort -n "$log" | tail -1) |"
    fi
  done
done
