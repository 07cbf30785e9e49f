#!/usr/bin/env bash
# Session memory benchmark: SessionMemoryBenchmark once per session bound (one JVM each), as Markdown table rows.
#   diffusion/bench/sessions.sh MODEL_DIR [java launcher]   (build first: mvn -B package -DskipTests)
# MAX_SESSIONS ('100 6 3': 100 closes none), SIZES (64,128,192,256,320,384: drawn in this order, one image
# each), STEPS (2), SCHEDULER (ddim), DEVICE (cpu), DTYPE (float32) and JAVA_OPTS (-Xmx2g) set the run; CP
# overrides the class path. Each run's lines (VmRSS after each size) go to stderr, its Markdown row to stdout.
set -euo pipefail
model=$1
java=${2:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
sizes=${SIZES:-64,128,192,256,320,384}
header="| max sessions |"
rule="|---|"
for size in ${sizes//,/ }; do
  header="$header VmRSS MiB after ${size}x${size} |"
  rule="$rule---|"
done
echo "$header peak VmRSS (VmHWM) MiB | sessions kept / built / closed |"
echo "$rule---|---|"
for max in ${MAX_SESSIONS:-100 6 3}; do
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  "$java" ${JAVA_OPTS:--Xmx2g} -cp "$cp" io.sdtune.diffusion.benchmark.SessionMemoryBenchmark --model "$model" \
    --max-sessions "$max" --sizes "$sizes" --steps "${STEPS:-2}" --scheduler "${SCHEDULER:-ddim}" \
    --device "${DEVICE:-cpu}" --dtype "${DTYPE:-float32}" |
    { row=; while IFS= read -r line; do echo "$line" >&2; row=$line; done; echo "$row"; }
done
