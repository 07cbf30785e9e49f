package io.sdtune.diffusion.world;

import java.util.ArrayList;
import java.util.List;

/**
 * One shape of a scene. In a drawn scene every part is set but {@code lowerColour}; in a prompt any may be null, left
 * to the model (and not judged): {@code a red circle} says nothing of size or place.
 *
 * @param shape       a {@link ShapeType}'s word, or a learned concept's token such as {@code <cat-toy>}
 * @param colour      its colour, or its upper half's when it has two
 * @param lowerColour its lower half's colour (below its centre: {@code a red and blue circle}), or null for a figure
 *                    of one colour
 */
public record Figure(String shape, Colour colour, Colour lowerColour, Size size, Position position) {

    /** A figure of one colour. */
    public Figure(String shape, Colour colour, Size size, Position position) {
        this(shape, colour, null, size, position);
    }

    /** How large a shape is drawn: its extent as a fraction of the image's side. */
    public enum Size {
        SMALL(0.15), LARGE(0.26);

        private final double extent;

        Size(double extent) {
            this.extent = extent;
        }

        public double extent() {
            return extent;
        }

        public String word() {
            return name().toLowerCase();
        }
    }

    /** Where a shape stands, left to right: its centre at a fifth, half or four fifths of the width. */
    public enum Position {
        LEFT("on the left", 0.2), MIDDLE("in the middle", 0.5), RIGHT("on the right", 0.8);

        private final String phrase;
        private final double x;

        Position(String phrase, double x) {
            this.phrase = phrase;
            this.x = x;
        }

        public String phrase() {
            return phrase;
        }

        /** The centre's x as a fraction of the width. */
        public double x() {
            return x;
        }

        /** The position whose centre is nearest to {@code x} (a fraction of the width). */
        public static Position of(double x) {
            return x < 0.35 ? LEFT : x < 0.65 ? MIDDLE : RIGHT;
        }
    }

    /**
     * {@code a large red circle on the left}, {@code an orange and blue circle}: the parts that are set, in that
     * order, after the article their first word takes.
     */
    public String phrase() {
        List<String> words = new ArrayList<>();
        if (size != null) {
            words.add(size.word());
        }
        if (colour != null) {
            words.add(colour.word());
        }
        if (lowerColour != null) {
            words.add("and");
            words.add(lowerColour.word());
        }
        words.add(shape);
        if (position != null) {
            words.add(position.phrase());
        }
        return withArticle(String.join(" ", words));
    }

    /** {@code words} after {@code a}, or {@code an} where they begin with a vowel. */
    static String withArticle(String words) {
        return ("aeiou".indexOf(words.charAt(0)) >= 0 ? "an " : "a ") + words;
    }

    /** The shape type this figure is of, or null for a concept's token. */
    public ShapeType type() {
        for (ShapeType t : ShapeType.values()) {
            if (t.word().equals(shape)) {
                return t;
            }
        }
        return null;
    }
}
