#!/usr/bin/env bash
# Memory estimates of the fine-tuning table's configurations (BENCHMARKS.md, "Memory estimate"), the steps built
# but not run, on any machine, from a model folder, e.g. make-tiny-model --sd15-shapes:
#   diffusion/bench/memory.sh MODEL_DIR [java launcher]   (build first: mvn -B package -DskipTests)
set -euo pipefail
model=$1
java=${2:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
work=$(mktemp -d)
first=1
while read -r args; do
  "$java" -Xmx16g -cp "$cp" io.sdtune.diffusion.cli.Main benchmark --pretrained_model_name_or_path "$model" \
      --work_dir "$work" --estimate_only $args | tail -n +$(( first ? 1 : 3 ))
  first=0
done <<'CONFIGS'
--methods lora
--methods lora --mixed_precision fp16
--methods lora --gradient_checkpointing
--methods lora --mixed_precision fp16 --gradient_checkpointing
--methods textual_inversion
--methods textual_inversion --mixed_precision fp16
--methods textual_inversion --mixed_precision fp16 --gradient_checkpointing
--methods dreambooth
--methods dreambooth --mixed_precision fp16
--methods dreambooth --use_8bit_adam
CONFIGS
rm -rf "$work"
