"""diffusers' StableDiffusionPipeline timed as Txt2ImgBenchmark times ours, for BENCHMARKS.md's comparison.

The same prompts and seeds, DPM-Solver++ 2M (DPMSolverMultistepScheduler's defaults), guidance 7.5: one warm-up
generation (its time includes loading), then --runs timed ones; the median is printed as one Markdown row with
PyTorch's peak allocated memory. --lora loads a LoRA file (as train_dreambooth_lora.py writes it) unfused, the way
a server keeps it switchable.

    python3 diffusion/bench/diffusers_txt2img.py --model DIR [--dtype float16] [--steps 50] [--size 512]
            [--runs 3] [--prompts 1] [--lora FILE]
"""
import argparse
import statistics
import time

import torch
from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

PROMPTS = ["a photo of an astronaut riding a horse on mars", "A <cat-toy> backpack", "<cat-toy> on the beach",
           "a watercolor of a lighthouse at dawn"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--prompts", type=int, default=1)
    parser.add_argument("--lora")
    args = parser.parse_args()

    start = time.perf_counter()
    pipe = StableDiffusionPipeline.from_pretrained(args.model, torch_dtype=getattr(torch, args.dtype),
                                                   safety_checker=None, feature_extractor=None,
                                                   requires_safety_checker=False)
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    pipe.to("cuda")
    pipe.set_progress_bar_config(disable=True)
    if args.lora:
        pipe.load_lora_weights(args.lora)
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.prompts)]

    def generate():
        generators = [torch.Generator("cuda").manual_seed(i) for i in range(args.prompts)]
        pipe(prompts, height=args.size, width=args.size, num_inference_steps=args.steps, guidance_scale=7.5,
             generator=generators)
        torch.cuda.synchronize()

    generate()
    first = time.perf_counter() - start
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        generate()
        times.append(time.perf_counter() - t)
    print(f"| diffusers | cuda | {args.dtype} | {args.size}x{args.size} | {args.steps} dpmpp_2m | {args.prompts} "
          f"| {'1' if args.lora else '0'} | {first:.1f} | {statistics.median(times):.2f} "
          f"| {torch.cuda.max_memory_allocated() / 2**20:.0f} |")


if __name__ == "__main__":
    main()
