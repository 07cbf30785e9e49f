package io.sdtune.diffusion.world;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One to three figures on a background: what an image of the world shows and what its caption says,
 * {@code a large red circle on the left, a small yellow star on the right, on a blue background}. Figures stand at
 * different positions, left to right, and differ in colour from the background.
 */
public record Scene(List<Figure> figures, Background background) {

    /** Share of the world's figures drawn in two colours, one above the other. */
    static final double TWO_COLOURED = 1.0 / 3;
    private static final Pattern BACKGROUND = Pattern.compile(
            "(?:on )?an? (\\w+)(?: (to|and) (\\w+))?(?: (gradient|striped))? background");

    public Scene {
        figures = List.copyOf(figures);
    }

    /** The scene's caption: its figures' phrases left to right, then {@code on <background>}. */
    public String caption() {
        List<String> parts = new ArrayList<>(figures.stream().map(Figure::phrase).toList());
        if (background != null) {
            parts.add("on " + background.phrase());
        }
        return String.join(", ", parts);
    }

    /**
     * A random scene: one to three figures at distinct positions, each of a random shape, colour and size (one in
     * three of two colours, one above the other: real things are seldom of one colour, and a two-coloured concept
     * should not be the first such thing a model sees), on a plain (one time in two), gradient or striped
     * background whose colours none of the figures has, nor one near the gradient's colour where the figure stands.
     */
    public static Scene random(SplittableRandom random) {
        Colour[] colours = Colour.values();
        Colour first = colours[random.nextInt(colours.length)];
        Colour second;
        do {
            second = colours[random.nextInt(colours.length)];
        } while (second == first);
        int kind = random.nextInt(4);
        Background background = kind < 2 ? Background.plain(first)
                : new Background(kind == 2 ? Background.Kind.GRADIENT : Background.Kind.STRIPED, first, second);
        List<Figure.Position> positions = new ArrayList<>(Arrays.asList(Figure.Position.values()));
        int count = 1 + random.nextInt(3);
        List<Figure.Position> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chosen.add(positions.remove(random.nextInt(positions.size())));
        }
        chosen.sort(null);
        List<Figure> figures = new ArrayList<>();
        for (Figure.Position position : chosen) {
            Colour colour = figureColour(random, background, position, null);
            Colour lower = random.nextDouble() < TWO_COLOURED ? figureColour(random, background, position, colour) : null;
            ShapeType shape = ShapeType.values()[random.nextInt(ShapeType.values().length)];
            Figure.Size size = Figure.Size.values()[random.nextInt(Figure.Size.values().length)];
            figures.add(new Figure(shape.word(), colour, lower, size, position));
        }
        return new Scene(figures, background);
    }

    /**
     * A colour for a figure at {@code position}: none of the background's, nor near it there; with {@code upper} set,
     * the colour of a two-coloured figure's lower half: another than {@code upper}, and never with it the
     * {@link Concept}'s pair.
     */
    private static Colour figureColour(SplittableRandom random, Background background, Figure.Position position,
            Colour upper) {
        Colour[] colours = Colour.values();
        Colour colour;
        do {
            colour = colours[random.nextInt(colours.length)];
        } while (colour == background.first() || colour == background.second()
                || colour.distanceSquared(background.rgbAt(position.x())) < 100 * 100
                || upper != null && (colour == upper || Concept.hasColours(upper, colour)));
        return colour;
    }

    /**
     * The scene a caption or prompt describes, parts it leaves out null: comma-separated figures, each {@code a}
     * followed by any of a size, a colour (or two: {@code red and blue}), a shape (a {@link ShapeType}'s word or a
     * {@code <token>}) and a position phrase, and the background as {@link Background#phrase} writes it, {@code on}
     * before it.
     *
     * @throws IllegalArgumentException naming the part that is no figure or background of the world
     */
    public static Scene parse(String caption) {
        List<Figure> figures = new ArrayList<>();
        Background background = null;
        for (String part : caption.toLowerCase(Locale.ROOT).trim().split("\\s*,\\s*")) {
            Matcher m = BACKGROUND.matcher(part);
            if (m.find() && m.end() == part.length()) {
                background = background(m, caption);
                String rest = part.substring(0, m.start()).trim();
                if (rest.isEmpty()) {
                    continue;
                }
                part = rest.endsWith(" on") ? rest.substring(0, rest.length() - 3) : rest;
            }
            figures.add(figure(part, caption));
        }
        return new Scene(figures, background);
    }

    private static Background background(Matcher m, String caption) {
        Colour first = colour(m.group(1), caption);
        if (m.group(2) == null) {
            return Background.plain(first);
        }
        Background.Kind kind = m.group(2).equals("to") ? Background.Kind.GRADIENT : Background.Kind.STRIPED;
        if (m.group(4) == null || !m.group(4).equals(kind == Background.Kind.GRADIENT ? "gradient" : "striped")) {
            throw new IllegalArgumentException("'" + m.group() + "' in '" + caption + "': a background is 'a C', 'a C to "
                    + "D gradient' or 'a C and D striped' background");
        }
        return new Background(kind, first, colour(m.group(3), caption));
    }

    private static Figure figure(String part, String caption) {
        String words = part;
        Figure.Position position = null;
        for (Figure.Position p : Figure.Position.values()) {
            if (words.endsWith(" " + p.phrase())) {
                position = p;
                words = words.substring(0, words.length() - p.phrase().length()).trim();
            }
        }
        List<String> w = new ArrayList<>(Arrays.asList(words.split("\\s+")));
        if (!w.isEmpty() && (w.get(0).equals("a") || w.get(0).equals("an"))) {
            w.remove(0);
        }
        if (w.isEmpty()) {
            throw new IllegalArgumentException("'" + part + "' in '" + caption + "' names no shape");
        }
        String shape = w.remove(w.size() - 1);
        if (!shape.startsWith("<") && Arrays.stream(ShapeType.values()).noneMatch(t -> t.word().equals(shape))) {
            throw new IllegalArgumentException("'" + shape + "' in '" + caption + "' is no shape of the world "
                    + Arrays.stream(ShapeType.values()).map(ShapeType::word).toList() + " nor a <token>");
        }
        Figure.Size size = null;
        Colour colour = null;
        Colour lower = null;
        for (int i = 0; i < w.size(); i++) {
            String word = w.get(i);
            if (word.equals("small") || word.equals("large")) {
                size = Figure.Size.valueOf(word.toUpperCase(Locale.ROOT));
            } else if (word.equals("and") && colour != null && i + 1 < w.size()) {
                lower = colour(w.get(++i), caption);
            } else {
                colour = colour(word, caption);
            }
        }
        return new Figure(shape, colour, lower, size, position);
    }

    private static Colour colour(String word, String caption) {
        for (Colour c : Colour.values()) {
            if (c.word().equals(word)) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + word + "' in '" + caption + "' is no colour of the world "
                + Arrays.stream(Colour.values()).map(Colour::word).toList() + " nor a size (small, large)");
    }
}
