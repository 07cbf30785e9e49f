package io.sdtune.diffusion.cli;

import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.weights.LdmCheckpointWriter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code sd convert_diffusers_to_original_stable_diffusion --model_path DIR --checkpoint_path FILE --use_safetensors
 * [--half]}: diffusers' script of that name, same flags. A diffusers model folder (a DreamBooth result) becomes one
 * SD 1.x checkpoint in the original naming, which AUTOMATIC1111 and ComfyUI load. Safetensors only: without
 * {@code --use_safetensors} the script writes a PyTorch pickle, which this command does not, so the flag is required
 * and a command line that asks for a pickle fails instead of getting another format under its name.
 */
final class ConvertDiffusersToOriginalCommand implements Main.Command {

    @Override
    public void run(List<String> args, PrintStream out) {
        Flags f = new Flags("sd convert_diffusers_to_original_stable_diffusion")
                .required("model_path", "the diffusers model folder to convert")
                .required("checkpoint_path", "the .safetensors file to write")
                .flag("half", "save the floating-point weights in float16")
                .flag("use_safetensors", "save as safetensors; required, as the script's other format, a pickled "
                        + ".ckpt, is not written");
        if (!f.parseUnlessHelp(args, out)) {
            return;
        }
        if (!f.isSet("use_safetensors")) {
            throw f.usage("--use_safetensors is required: without it the script writes a PyTorch pickle (.ckpt), "
                    + "which this command does not write");
        }
        Path checkpoint = Path.of(f.string("checkpoint_path"));
        // AUTOMATIC1111 and ComfyUI choose the loader by extension, and unpickle any other file.
        if (!checkpoint.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw f.usage("--checkpoint_path must end in .safetensors (AUTOMATIC1111 and ComfyUI would read "
                    + checkpoint.getFileName() + " as a pickle), got " + checkpoint);
        }
        try (StableDiffusion model = StableDiffusion.load(Path.of(f.string("model_path")))) {
            LdmCheckpointWriter writer = model.ldmCheckpoint(f.isSet("half"));
            writer.write(checkpoint);
            out.printf("wrote %s: %d tensors, %,d bytes%s%n", checkpoint, writer.keys().size(), writer.size(),
                    f.isSet("half") ? ", float16" : "");
        }
    }
}
