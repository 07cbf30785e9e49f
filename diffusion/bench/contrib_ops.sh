#!/usr/bin/env bash
# The check of ONNX Runtime's CUDA-only fused operators (GroupNorm, BiasSplitGelu; on by default, off with
# -Dsdtune.cuda.contrib_ops=false), on a CUDA machine:
#   diffusion/bench/contrib_ops.sh MODEL_DIR [java launcher]   (build first: mvn -B package -DskipTests)
# First DeviceAgreement with the operators on: the GPU's float16 images against the CPU's float32 ones; it exits 1
# over its tolerance, and this script with it (a wrong kernel is not worth timing). Then txt2img.sh in float16 with
# the operators off and on, on the same card: the two rows to compare. SIZE (128) and AGREEMENT_STEPS (4) set the
# agreement's images; STEPS, RUNS and the rest pass to txt2img.sh; CP overrides the class path.
set -euo pipefail
model=$1
java=${2:-java}
cp=${CP:-"diffusion/target/diffusion-0.1.0-SNAPSHOT.jar:diffusion/target/lib/*"}
options=${JAVA_TOOL_OPTIONS:-}
fused="-Dsdtune.cuda.contrib_ops=true"
echo "DeviceAgreement, fused operators on:"
JAVA_TOOL_OPTIONS="$options $fused" "$java" -Xmx32g -cp "$cp" io.sdtune.diffusion.benchmark.DeviceAgreement \
    --model "$model" --size "${SIZE:-128}" --steps "${AGREEMENT_STEPS:-4}" --dtypes float16
for setting in off on; do
  echo "txt2img, fused operators $setting:"
  [ "$setting" = on ] && with="$options $fused" || with="$options -Dsdtune.cuda.contrib_ops=false"
  JAVA_TOOL_OPTIONS="$with" CP="$cp" DTYPES=float16 diffusion/bench/txt2img.sh "$model" cuda "$java"
done
