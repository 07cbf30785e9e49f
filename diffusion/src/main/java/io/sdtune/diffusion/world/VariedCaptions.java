package io.sdtune.diffusion.world;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A scene's caption as people write prompts, for training: parts left out now and then, and now and then a figure
 * named by a word the world does not have. A model trained on whole captions alone draws whatever it likes for a
 * prompt that leaves a part out ({@code a small <cat-toy> on the left, a red circle} names no background: such a
 * model painted the whole image red), and reads a word it never saw as noise rather than as "a figure here", which
 * is what a placeholder such as {@code <cat-toy>} is to it before a method has taught it (BENCHMARKS.md,
 * "Pretraining").
 */
public final class VariedCaptions {
    /** Chance that a figure's size, its place, its colours, the background are left out of a caption. */
    static final double NO_SIZE = 0.3;
    static final double NO_POSITION = 0.3;
    static final double NO_COLOUR = 0.15;
    static final double NO_BACKGROUND = 0.2;
    /** Chance that one of a caption's figures is named by one of {@link #WORDS} instead of its shape. */
    static final double UNKNOWN_WORD = 0.25;
    /**
     * Words no caption of the world otherwise has, as a figure's name: everyday nouns and placeholder-like tokens.
     * None shares a word piece with {@code <cat-toy>} ({@code cat}, {@code toy}), so that the concept stays new to
     * the model; the placeholders share its brackets, so that a bracketed word reads as a figure's name.
     */
    static final List<String> WORDS = List.of("dog", "car", "tree", "house", "bird", "apple", "boat", "lamp",
            "shoe", "clock", "sks", "<thing>", "flower", "robot", "mug", "chair", "kite", "drum", "hat", "fish",
            "<obj>", "vase", "key", "ball");

    private VariedCaptions() {
    }

    /** {@code scene}'s caption varied by draws from {@code random}. */
    public static String of(Scene scene, SplittableRandom random) {
        List<Figure> figures = scene.figures();
        int renamed = random.nextDouble() < UNKNOWN_WORD ? random.nextInt(figures.size()) : -1;
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < figures.size(); i++) {
            Figure f = figures.get(i);
            boolean colours = random.nextDouble() >= NO_COLOUR;
            Figure told = new Figure(i == renamed ? WORDS.get(random.nextInt(WORDS.size())) : f.shape(),
                    colours ? f.colour() : null, colours ? f.lowerColour() : null,
                    random.nextDouble() < NO_SIZE ? null : f.size(),
                    random.nextDouble() < NO_POSITION ? null : f.position());
            parts.add(told.phrase());
        }
        if (random.nextDouble() >= NO_BACKGROUND) {
            parts.add("on " + scene.background().phrase());
        }
        return String.join(", ", parts);
    }
}
