package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.weights.LoraFile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code sd convert-lora IN OUT --to kohya|diffusers}: rewrites a LoRA of the UNet and the text encoder
 * between diffusers' layout and kohya/AUTOMATIC1111's, tensors copied bit for bit. The layer names come
 * from {@code --pretrained_model_name_or_path}, or SD 1.5's configuration when it is not given.
 */
final class ConvertLoraCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd convert-lora")
                .positional("IN")
                .positional("OUT")
                .required("to", "kohya or diffusers")
                .option("pretrained_model_name_or_path", "", "the base model, for its layer names (default: SD 1.5)");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        LoraFile.Layout layout = switch (f.string("to")) {
            case "kohya" -> LoraFile.Layout.KOHYA;
            case "diffusers" -> LoraFile.Layout.DIFFUSERS;
            default -> throw f.usage("--to must be kohya or diffusers, got '" + f.string("to") + "'");
        };
        LoraFile lora = LoraFile.read(Path.of(f.positional(0)), layers(f.string("pretrained_model_name_or_path")));
        lora.write(Path.of(f.positional(1)), layout);
        out.printf("wrote %s: %d UNet layers (rank %d), %d text encoder layers (rank %d), %s layout%n", f.positional(1),
                lora.layers(LoraFile.Component.UNET).size(), lora.rank(LoraFile.Component.UNET),
                lora.layers(LoraFile.Component.TEXT_ENCODER).size(), lora.rank(LoraFile.Component.TEXT_ENCODER),
                f.string("to"));
    }

    private static Map<LoraFile.Component, Map<String, Shape>> layers(String model) {
        if (model.isEmpty()) {
            return StableDiffusion.loraLayers(UNet2DConditionConfig.sd15(), ClipTextConfig.sd15());
        }
        try (StableDiffusion sd = StableDiffusion.load(Path.of(model))) {
            return sd.loraLayers();
        }
    }
}
