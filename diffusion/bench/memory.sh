#!/usr/bin/env bash
# Memory estimates of the fine-tuning table's configurations (BENCHMARKS.md, "Memory estimate"), built on any
# machine from a model folder, e.g. make-tiny-model --sd15-shapes:
#   diffusion/bench/memory.sh MODEL_DIR [java launcher]   (build first: mvn -B package -DskipTests)
set -euo pipefail
model=$1
java=${2:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
echo "| method | dtype | steps per run | | estimate (GiB): weights + inputs + activations/gradients | total |"
echo "|---|---|---|---|---|---|"
while read -r args; do
  "$java" -Xmx16g -cp "$cp" io.sdtune.diffusion.benchmark.MemoryEstimateBenchmark --model "$model" $args
done <<'CONFIGS'
--method lora --steps_per_run 1
--method lora --steps_per_run 8
--method textual_inversion --steps_per_run 1
--method dreambooth --steps_per_run 1
--method dreambooth --steps_per_run 4
--method dreambooth --steps_per_run 50
--method lora --dtype float16
--method textual_inversion --dtype float16
--method dreambooth --dtype float16 --steps_per_run 50
--method dreambooth --steps_per_run 1 --use_8bit_adam
--method dreambooth --steps_per_run 50 --use_8bit_adam
CONFIGS
