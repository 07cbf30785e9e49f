#!/usr/bin/env bash
# Fine-tuning benchmark: `sd benchmark` for each configuration of the fine-tuning tables (BENCHMARKS.md), one JVM
# each so that every peak is its own, as Markdown table rows:
#   diffusion/bench/finetune.sh MODEL_DIR [cpu|cuda] [java launcher]   (build first: mvn -B package -DskipTests)
# CONFIGS (one configuration of `sd benchmark` flags per line) overrides the configurations below; JAVA_OPTS is
# passed to the JVM (e.g. -Dsdtune.cuda.provider_options=cudnn_conv_algo_search=HEURISTIC); CP the class path.
set -euo pipefail
model=$1
device=${2:-cpu}
java=${3:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
configs=${CONFIGS:-"--methods dreambooth --steps 4 --use_8bit_adam
--methods lora --steps 12
--methods lora --steps 12 --mixed_precision fp16
--methods lora --steps 12 --gradient_checkpointing
--methods lora --steps 12 --mixed_precision fp16 --gradient_checkpointing
--methods textual_inversion --steps 8
--methods textual_inversion --steps 8 --mixed_precision fp16
--methods textual_inversion --steps 8 --mixed_precision fp16 --gradient_checkpointing"}
work=$(mktemp -d)
echo "| method | s/step | 400 steps (min) | peak GPU memory (GiB) | arena: max in use / taken (GiB) | captured run's arena (GiB) | step estimate (GiB) | artifact size | flags |"
echo "|---|---|---|---|---|---|---|---|---|"
while read -r args; do
  [ -n "$args" ] || continue
  # shellcheck disable=SC2086 # JAVA_OPTS and the configuration are word lists
  row=$("$java" ${JAVA_OPTS:-} -Xmx16g -cp "$cp" io.sdtune.diffusion.cli.Main benchmark \
      --pretrained_model_name_or_path "$model" --work_dir "$work" --device "$device" $args | tail -1) ||
    row="| failed, exit $? |"
  echo "$row \`$args\` |"
  rm -rf "${work:?}"/*
done <<<"$configs"
rm -rf "$work"
