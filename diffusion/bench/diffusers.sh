#!/usr/bin/env bash
# diffusers' own example scripts and pipeline on the same model folder and settings as `sd benchmark` and
# Txt2ImgBenchmark (the seed's settings: TI batch 1 x 4 accumulation, lr 5e-4 scaled; DreamBooth with gradient
# checkpointing, lr 1e-6; LoRA rank 4, lr 5e-4), for the comparison columns of BENCHMARKS.md:
#   diffusion/bench/diffusers.sh MODEL_DIR EXAMPLES_DIR
# EXAMPLES_DIR is the examples folder of the diffusers version installed (dreambooth/, textual_inversion/). Needs a
# CUDA GPU and python3 with torch, diffusers, peft, transformers and accelerate; bitsandbytes for the 8-bit row
# (skipped without it). s/step is tqdm's rate at the last step; peak GPU memory is nvidia-smi's, sampled every
# 50 ms as for our rows. STEPS (20) is the number of optimisation steps per run; DTYPES ('float16') the
# text-to-image precisions.
set -euo pipefail
model=$1
examples=$2
here=$(cd "$(dirname "$0")" && pwd)
steps=${STEPS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Five 512 px instance images, the gradients `sd benchmark` trains on.
python3 - "$work/images" <<'PY'
import os, sys
from PIL import Image
os.makedirs(sys.argv[1])
for i in range(5):
    Image.frombytes("RGB", (512, 512), bytes(v for y in range(512) for x in range(512)
                                              for v in (x * 255 // 512, y * 255 // 512, 40 * i))
                    ).save(f"{sys.argv[1]}/{i}.png")
PY

# Runs one training script with the method's common flags and the given ones; prints a row of s/step and peak GPU
# memory, with the given flags.
train() {
  local name=$1 script=$2
  shift 2
  local common
  if [ "$name" = textual_inversion ]; then common=("${ti[@]}"); else common=("${dreambooth[@]}"); fi
  local log=$work/log smi=$work/smi
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 50 > "$smi" &
  local poller=$!
  if PYTHONUNBUFFERED=1 python3 "$examples/$script" --pretrained_model_name_or_path "$model" \
      --output_dir "$work/out" --resolution 512 --train_batch_size 1 --lr_scheduler constant --lr_warmup_steps 0 \
      --max_train_steps "$steps" --seed 0 "${common[@]}" "$@" > "$log" 2>&1; then
    local rate
    rate=$(tr '\r' '\n' < "$log" | grep -Eo '[0-9.]+(it/s|s/it)' | tail -1)
    local per_step
    per_step=$(awk -v r="$rate" 'BEGIN { v = r + 0; printf "%.3f", (r ~ /it\/s/) ? 1 / v : v }')
    echo "| $name | $per_step | $(sort -n "$smi" | tail -1 | awk '{ printf "%.1f", $1 / 1024 }') | \`$*\` |"
  else
    echo "| $name | failed: $(tail -1 "$log") | | \`$*\` |"
    tail -20 "$log" >&2
  fi
  kill "$poller"
  [ "$name" = lora ] && [ ! -f "$work/lora.safetensors" ] && [ -f "$work/out/pytorch_lora_weights.safetensors" ] &&
    cp "$work/out/pytorch_lora_weights.safetensors" "$work/lora.safetensors"
  rm -rf "$work/out"
}

dreambooth=(--instance_data_dir "$work/images" --instance_prompt "a photo of <cat-toy>" --gradient_accumulation_steps 1)
ti=(--train_data_dir "$work/images" --learnable_property object --placeholder_token "<cat-toy>"
    --initializer_token toy --gradient_accumulation_steps 4 --learning_rate 5e-4 --scale_lr)

echo "| method | s/step | peak GPU memory (GiB) | flags |"
echo "|---|---|---|---|"
train lora dreambooth/train_dreambooth_lora.py --learning_rate 5e-4 --rank 4 --mixed_precision no
train lora dreambooth/train_dreambooth_lora.py --learning_rate 5e-4 --rank 4 --mixed_precision fp16
train textual_inversion textual_inversion/textual_inversion.py --mixed_precision no
train textual_inversion textual_inversion/textual_inversion.py --mixed_precision fp16
train dreambooth dreambooth/train_dreambooth.py --learning_rate 1e-6 --gradient_checkpointing \
  --mixed_precision no
if python3 -c 'import bitsandbytes' 2>/dev/null; then
  train dreambooth dreambooth/train_dreambooth.py --learning_rate 1e-6 --gradient_checkpointing \
    --use_8bit_adam --mixed_precision no
fi

echo
echo "| model | device | dtype | size | steps | prompts | LoRAs | first run s (incl. loading) | generation s | peak allocated MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for dtype in ${DTYPES:-float16}; do
  python3 "$here/diffusers_txt2img.py" --model "$model" --dtype "$dtype" | tail -1
  if [ -f "$work/lora.safetensors" ]; then
    python3 "$here/diffusers_txt2img.py" --model "$model" --dtype "$dtype" --lora "$work/lora.safetensors" | tail -1
  fi
  python3 "$here/diffusers_txt2img.py" --model "$model" --dtype "$dtype" --prompts 4 | tail -1
done
