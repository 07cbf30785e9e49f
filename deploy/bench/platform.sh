#!/usr/bin/env bash
# The platform's speed through its API (io.sdtune.deploy.benchmark.PlatformBenchmark): starts the embedded default
# on the model folder and device given, trains one LoRA job, draws a batch of images without it and one with it,
# prints the rows of BENCHMARKS.md, stops. After `mvn -B package -DskipTests` (-Pcuda for a GPU):
#   deploy/bench/platform.sh MODEL_DIR [cpu|cuda|cuda:N] [--max_train_steps 100] [--mixed_precision fp16]
#                            [--num_inference_steps 50] [--images 8] [--seed 42]
# JAVA (default $JAVA_HOME/bin/java) runs the launcher; the services run on the java beside it, as under bin/sdtune.
set -euo pipefail
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$(dirname "$0")/../.."
model=$1
device=${2:-cpu}
shift $(( $# < 2 ? $# : 2 ))
exec "${JAVA:-$JAVA_HOME/bin/java}" --enable-native-access=ALL-UNNAMED -Dsdtune.home="$PWD" \
  -cp "deploy/target/deploy-0.1.0-SNAPSHOT.jar:$(cat deploy/target/classpath)" \
  io.sdtune.deploy.benchmark.PlatformBenchmark --pretrained_model_name_or_path "$model" --device "$device" "$@"
