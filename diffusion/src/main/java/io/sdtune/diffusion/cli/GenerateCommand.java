package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.image.Png;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.Infotext;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.scheduler.Schedulers;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.Npy;
import io.sdtune.diffusion.weights.TextualInversionFile;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** {@code sd generate}: text to image with a model folder or checkpoint, as diffusers' pipeline call. */
final class GenerateCommand implements Main.Command {

    static Flags flags() {
        return new Flags("sd generate")
                .required("pretrained_model_name_or_path", "diffusers model folder or single-file .safetensors checkpoint")
                .option("prompt", "", "what to draw (required unless --from_png)")
                .option("from_png", "", "redraw a PNG from its parameters (AUTOMATIC1111's infotext): prompt, negative "
                        + "prompt, steps, sampler, CFG scale, seed and size; its <lora:NAME:SCALE> tags take the "
                        + "--lora file named NAME")
                .option("negative_prompt", "", "what to steer away from")
                .option("num_inference_steps", "50", "denoising steps")
                .option("guidance_scale", "7.5", "classifier-free guidance scale (1 or less: no guidance)")
                .option("scheduler", "", "ddim, euler_a, dpmpp_2m or pndm (default: the model's own scheduler)")
                .option("seed", "", "seed of the initial noise (default: random, printed)")
                .option("height", "", "image height, a multiple of 8 (default: the model's sample size)")
                .option("width", "", "image width, a multiple of 8 (default: the model's sample size)")
                .option("num_images_per_prompt", "1", "images to generate")
                .option("latents", "", ".npy file of float32 [n, 4, height/8, width/8] initial latents (replaces the seed)")
                .option("lora", "", "LoRA file FILE[:scale] (UNet and text encoder, diffusers or kohya layout); "
                        + "repeat for several")
                .option("textual_inversion", "", "Textual Inversion embedding .safetensors (diffusers or A1111); repeat for several")
                .option("device", "cpu", "cpu, cuda or cuda:N")
                .option("dtype", "float32", "float32 or float16 (torch_dtype)")
                .required("output", "PNG file to write (several images: NAME-0.png, NAME-1.png, ...)");
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = flags();
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        DType dtype = DType.parse(f.string("dtype"));
        Device device = Device.parse(f.string("device"));
        Path output = Path.of(f.string("output"));
        if (!output.toString().endsWith(".png")) {
            throw f.usage("--output must name a .png file, got '" + output + "'");
        }
        Infotext infotext = null;
        if (!f.string("from_png").isEmpty()) {
            for (String own : List.of("prompt", "negative_prompt", "seed", "scheduler", "height", "width", "latents")) {
                if (!f.string(own).isEmpty()) {
                    throw f.usage("--from_png gives the " + own + " itself: drop --" + own);
                }
            }
            infotext = infotext(Path.of(f.string("from_png")));
        } else if (f.string("prompt").isEmpty()) {
            throw f.usage("the following argument is required: --prompt (or --from_png)");
        }
        long seed = f.string("seed").isEmpty() ? ThreadLocalRandom.current().nextLong(1L << 32) : Long.parseLong(f.string("seed"));
        TensorData latents = f.string("latents").isEmpty() ? null : readLatents(Path.of(f.string("latents")));

        try (StableDiffusion model = StableDiffusion.load(Path.of(f.string("pretrained_model_name_or_path")));
                Txt2Img pipeline = new Txt2Img(model, device, dtype)) {
            int defaultSize = model.unetConfig().sampleSize() * model.vaeConfig().downscale();
            String scheduler = f.string("scheduler").isEmpty() ? Schedulers.defaultName(model.schedulerConfig())
                    : f.string("scheduler");
            GenerationParams params = infotext != null
                    ? infotext.params().withNumImages(f.integer("num_images_per_prompt"))
                    : new GenerationParams(f.string("prompt"), f.string("negative_prompt"),
                            f.integer("num_inference_steps"), f.number("guidance_scale"), scheduler, seed,
                            f.string("height").isEmpty() ? defaultSize : f.integer("height"),
                            f.string("width").isEmpty() ? defaultSize : f.integer("width"),
                            f.integer("num_images_per_prompt"), latents);
            scheduler = params.scheduler();
            seed = params.seed();
            out.printf("generating %d image(s) %dx%d, %d steps of %s, seed %d, on %s (%s)%n", params.numImages(),
                    params.width(), params.height(), params.numInferenceSteps(), scheduler, seed, device, f.string("dtype"));
            long start = System.nanoTime();
            LoraStack loras = loras(f.all("lora"), model);
            Adapters adapters = new Adapters(infotext == null ? loras : named(loras, infotext),
                    f.all("textual_inversion").stream().map(file -> TextualInversionFile.read(Path.of(file))).toList());
            List<GeneratedImage> images = pipeline.generate(params, adapters, (step, total) -> {
                if (step == total || step % 10 == 0) {
                    out.printf("step %d/%d  %.2f s/step%n", step, total, (System.nanoTime() - start) / 1e9 / step);
                }
            });
            for (int i = 0; i < images.size(); i++) {
                Path file = images.size() == 1 ? output
                        : output.resolveSibling(output.getFileName().toString().replaceFirst("\\.png$", "-" + i + ".png"));
                images.get(i).save(file);
                out.println("saved " + file);
            }
        }
    }

    private static Infotext infotext(Path png) {
        String parameters = Png.readText(png).get("parameters");
        if (parameters == null) {
            throw new IllegalArgumentException(png + " has no 'parameters' text to redraw it from");
        }
        return Infotext.parse(parameters);
    }

    /** The LoRAs the image's prompt names, each from the {@code --lora} file of that name, at the tag's scale. */
    private static LoraStack named(LoraStack given, Infotext infotext) {
        List<LoraStack.Applied> applied = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Infotext.LoraTag tag : infotext.loras()) {
            given.adapters().stream().filter(a -> a.name().equals(tag.name())).findFirst().ifPresentOrElse(
                    a -> applied.add(new LoraStack.Applied(a.lora(), tag.scale(), a.name())), () -> missing.add(tag.name()));
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the image was drawn with LoRA(s) " + missing + " (Lora hashes: "
                    + infotext.parameters().getOrDefault("Lora hashes", "none given") + "): pass each with --lora "
                    + "FILE, its file named NAME.safetensors");
        }
        return new LoraStack(applied);
    }

    /** {@code FILE[:scale]} for each {@code --lora}. */
    private static LoraStack loras(List<String> specs, StableDiffusion model) {
        Map<LoraFile.Component, Map<String, Shape>> layers = specs.isEmpty() ? Map.of() : model.loraLayers();
        List<LoraStack.Applied> applied = new ArrayList<>();
        for (String spec : specs) {
            int colon = spec.lastIndexOf(':');
            double scale = 1;
            String file = spec;
            if (colon > 0 && spec.substring(colon + 1).matches("-?[0-9.]+(e-?[0-9]+)?")) {
                scale = Double.parseDouble(spec.substring(colon + 1));
                file = spec.substring(0, colon);
            }
            applied.add(new LoraStack.Applied(LoraFile.read(Path.of(file), layers), scale));
        }
        return new LoraStack(applied);
    }

    private static TensorData readLatents(Path file) {
        try {
            TensorData t = Npy.read(file);
            return t.dtype() == DType.FLOAT32 ? t : t.to(DType.FLOAT32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --latents " + file + ": " + e.getMessage(), e);
        }
    }
}
