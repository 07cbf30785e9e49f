package io.sdtune.diffusion.cli;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code bin/sd}: the engine's command line, one subcommand per task, flags named as in the diffusers scripts. */
public final class Main {
    /** A subcommand: runs with its arguments, printing to {@code out}. */
    interface Command {
        void run(List<String> args, PrintStream out);
    }

    private static final Map<String, Command> COMMANDS = Map.ofEntries(
            Map.entry("generate", new GenerateCommand()),
            Map.entry("make-tiny-model", new MakeTinyModelCommand()),
            Map.entry("train_dreambooth_lora", new TrainLoraCommand()),
            Map.entry("textual_inversion", new TextualInversionCommand()),
            Map.entry("train_dreambooth", new TrainDreamBoothCommand()),
            Map.entry("benchmark", new BenchmarkCommand()),
            Map.entry("convert-lora", new ConvertLoraCommand()),
            Map.entry("convert_diffusers_to_original_stable_diffusion", new ConvertDiffusersToOriginalCommand()),
            Map.entry("make-world", new MakeWorldCommand()),
            Map.entry("judge", new JudgeCommand()),
            Map.entry("pretrain", new PretrainCommand()),
            Map.entry("train_vae_decoder", new TrainVaeDecoderCommand()));

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Runs a command line; returns the exit status (0 ok, 1 failed, 2 usage error). */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || !COMMANDS.containsKey(args.get(0))) {
            err.println((args.isEmpty() || args.get(0).equals("--help") ? "" : "sd: unknown command '" + args.get(0) + "'\n")
                    + "usage: sd COMMAND [flags]   (sd COMMAND --help for its flags)\ncommands: "
                    + String.join(", ", COMMANDS.keySet().stream().sorted().toList()));
            return 2;
        }
        try {
            COMMANDS.get(args.get(0)).run(args.subList(1, args.size()), out);
            return 0;
        } catch (Flags.UsageException e) {
            err.println(e.getMessage());
            return 2;
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("sd " + args.get(0) + ": error: " + e.getMessage());
            return 1;
        }
    }
}
