package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.optim.TrainingSession;
import io.sdtune.diffusion.weights.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Training checkpoints as the diffusers scripts lay them out: {@code <output_dir>/checkpoint-<step>/},
 * here holding {@code training_state.safetensors} (trained tensors, AdamW moments and step count), so that
 * {@code --resume_from_checkpoint} (a folder or {@code latest}) continues to the same weights as an
 * uninterrupted run.
 */
final class Checkpoints {
    static final String STATE = "training_state.safetensors";

    private Checkpoints() {
    }

    /** Writes {@code <outputDir>/checkpoint-<step>/} and returns it. */
    static Path save(Path outputDir, int step, TrainingSession session) {
        Path dir = outputDir.resolve("checkpoint-" + step);
        try {
            Files.createDirectories(dir);
            SafeTensors.write(dir.resolve(STATE), session.state(), Map.of("step", String.valueOf(step)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Restores the checkpoint {@code args} names, if any; returns the number of steps already taken. */
    static int resume(TrainingArgs args, TrainingSession session) {
        String which = args.resumeFromCheckpoint();
        if (which == null || which.isEmpty()) {
            return 0;
        }
        Path dir = which.equals("latest") ? latest(args.outputDir()).orElse(null) : Path.of(which);
        if (dir == null) {
            return 0;
        }
        Path file = dir.resolve(STATE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("checkpoint " + dir + " has no " + STATE);
        }
        try (SafeTensors st = SafeTensors.open(file)) {
            Map<String, TensorData> state = new LinkedHashMap<>();
            for (String key : st.keys()) {
                state.put(key, st.get(key));
            }
            session.restore(state);
            return Integer.parseInt(st.metadata().get("step"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint with the most steps, as {@code --resume_from_checkpoint latest} picks it. */
    private static Optional<Path> latest(Path outputDir) {
        if (!Files.isDirectory(outputDir)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(outputDir)) {
            return dirs.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(11))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
