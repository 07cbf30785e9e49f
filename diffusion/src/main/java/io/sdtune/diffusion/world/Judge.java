package io.sdtune.diffusion.world;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.stream.IntStream;

/**
 * Reads an image of the world back into a {@link Scene} and scores it against a caption, by plain image analysis:
 * no learned model. The background is read per column from the top and bottom fifths, where no figure reaches (a
 * plain colour, a left-to-right gradient or vertical stripes of two named colours); pixels far from their column's
 * background are foreground, split into 4-connected components; each component's colour is its inner pixels'
 * commonest named colour (or two, each at least {@link #MIN_COLOUR_SHARE} of them, the upper one first), its size and
 * position its extent and centroid, its shape the nearest of the shapes' descriptors:
 * whether it encloses a hole (a ring), the share of its bounding box it fills, its solidity (its share of its
 * convex hull) and its angular harmonics {@code F_k = Σ a r² e^{ikθ} / Σ a r²} about its centroid for k = 3, 4, 5 (a
 * triangle's threefold, a cross's or square's fourfold - arms along the axes or corners on the diagonals, the sign
 * of the real part - and a star's fivefold symmetry). The shapes' own descriptors are measured once on each drawn
 * large ({@link SceneRenderer#outline}). Areas count each pixel by its coverage, read from where its colour lies
 * between the background's and the figure's, so that an anti-aliased edge weighs what it covers whatever the two
 * colours' contrast. A component wider than any figure, or less than half of one or two named colours, is no
 * figure. The {@link Concept} is told before any shape, by its two colours, which no figure of the world has.
 */
public final class Judge {
    /** How far (RGB distance) a pixel may be from a named colour and still be read as it. */
    private static final int COLOUR_TOLERANCE = 80;
    /** How far from its column's background a pixel must be to be foreground. */
    private static final int FOREGROUND_DISTANCE = 60;
    /**
     * Share of a figure's pixels each of two colours covers at least for it to be read as two-coloured (drawn, the
     * lesser half of a shape covers at least 30%, the {@link Concept}'s muzzle about 45%).
     */
    private static final double MIN_COLOUR_SHARE = 0.15;
    /** Components below this share of the image are specks, not figures (a small circle covers about 1.7%). */
    private static final double MIN_AREA = 0.004;
    /** Components wider or higher than this share of the image are no figure (the largest drawn is 0.273). */
    private static final double MAX_EXTENT = 0.35;
    /** The side of the image each shape is measured on, drawn large. */
    private static final int PROTOTYPE_SIDE = 256;
    /** Each shape's descriptors and area, measured on it drawn large. */
    private static final Map<ShapeType, Prototype> PROTOTYPES = prototypes();
    /** The {@link Concept}'s area per squared extent, to read its size. */
    private static final double CONCEPT_UNIT_AREA = prototype(extent -> Concept.outline(PROTOTYPE_SIDE / 2.0,
            PROTOTYPE_SIDE / 2.0, extent)).unitArea();

    private Judge() {
    }

    /** How far an image holds to a scene: facts checked, facts found, and what was not. */
    public record Score(int facts, int matched, List<String> misses) {
        public double value() {
            return facts == 0 ? 1 : (double) matched / facts;
        }
    }

    /** The scene {@code image} shows, as far as it can be read: unreadable parts are null. */
    public static Scene read(BufferedImage image) {
        Image segmented = Image.segment(image);
        List<Figure> figures = new ArrayList<>();
        for (int c = 0; c < segmented.components().size(); c++) {
            if (segmented.components().get(c).length >= MIN_AREA * segmented.w() * segmented.h()) {
                Figure f = figure(segmented, segmented.components().get(c), c + 1);
                if (f != null) {
                    figures.add(f);
                }
            }
        }
        figures.sort(Comparator.comparingDouble(f -> f.position() == null ? 0 : f.position().x()));
        return new Scene(figures, background(segmented.columns()));
    }

    /**
     * How like the {@link Concept} the likest figure of {@code image} is, from 0 (no figure, or nothing of it) to 1:
     * the graded counterpart of finding it, as DreamBooth's subject fidelity (the similarity of a drawing to the
     * subject's photographs in DINO's embedding) is to a yes or no. Each foreground component is compared with the
     * concept drawn into its bounding box - so that its outline, its colours and where each colour lies count, and its
     * size and place (the prompt's facts) do not - by a colour-weighted intersection over union: every pixel of the
     * two that both cover counts {@code 1 - d / 255} for its RGB distance {@code d} to the concept's colour there (at
     * least 0: the model's red for the concept's orange counts 0.6, black for orange nothing), over the pixels either
     * covers.
     */
    public static double conceptSimilarity(BufferedImage image) {
        Image segmented = Image.segment(image);
        double best = 0;
        for (int[] component : segmented.components()) {
            if (component.length >= MIN_AREA * segmented.w() * segmented.h()) {
                best = Math.max(best, conceptSimilarity(segmented, component));
            }
        }
        return best;
    }

    private static double conceptSimilarity(Image image, int[] component) {
        int w = image.w();
        int h = image.h();
        Box box = Box.of(component, w);
        if (box.extent() > MAX_EXTENT * w) {
            return 0;
        }
        BufferedImage concept = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = concept.createGraphics();
        // The concept's outline is 0.8 of its extent wide and its extent high, centred: stretched onto the box.
        g.translate(box.x0() + box.width() / 2.0, box.y0() + box.height() / 2.0);
        g.scale(box.width() / 0.8, box.height());
        Concept.draw(g, 0, 0, 1);
        g.dispose();
        int[] drawn = concept.getRGB(0, 0, w, h, null, 0, w);
        boolean[] inComponent = new boolean[w * h];
        for (int i : component) {
            inComponent[i] = true;
        }
        double agreed = 0;
        int union = 0;
        for (int i = 0; i < drawn.length; i++) {
            boolean inConcept = drawn[i] >>> 24 != 0;
            if (inConcept || inComponent[i]) {
                union++;
            }
            if (inConcept && inComponent[i]) {
                agreed += Math.max(0, 1 - Math.sqrt(distanceSquared(image.rgb()[i], drawn[i] & 0xffffff)) / 255);
            }
        }
        return agreed / union;
    }

    /** {@code image} against {@code expected}: each part the caption sets is a fact; a figure it does not name, one missed. */
    public static Score score(BufferedImage image, Scene expected) {
        Scene seen = read(image);
        List<String> misses = new ArrayList<>();
        int facts = 0;
        int matched = 0;
        if (expected.background() != null) {
            facts++;
            if (expected.background().equals(seen.background())) {
                matched++;
            } else {
                misses.add("background: expected " + expected.background().phrase() + ", saw "
                        + (seen.background() == null ? "none of the world's" : seen.background().phrase()));
            }
        }
        Assignment best = assign(expected.figures(), seen.figures(), 0, new boolean[seen.figures().size()]);
        for (int i = 0; i < expected.figures().size(); i++) {
            Figure e = expected.figures().get(i);
            Figure s = best.matches.get(i);
            facts += facts(e);
            matched += s == null ? 0 : agreement(e, s);
            if (s == null || agreement(e, s) < facts(e)) {
                misses.add(e.phrase() + ": saw " + (s == null ? "nothing" : s.phrase()));
            }
        }
        int extra = Math.max(0, seen.figures().size() - expected.figures().size());
        if (extra > 0) {
            facts += extra;
            misses.add(extra + " figure(s) more than the caption names");
        }
        return new Score(facts, matched, misses);
    }

    /** The facts of {@code e} that {@code s} agrees with. */
    private static int agreement(Figure e, Figure s) {
        int n = e.shape().equals(s.shape()) ? 1 : 0;
        n += e.colour() != null && e.colour() == s.colour() && e.lowerColour() == s.lowerColour() ? 1 : 0;
        n += e.size() != null && e.size() == s.size() ? 1 : 0;
        n += e.position() != null && e.position() == s.position() ? 1 : 0;
        return n;
    }

    private static int facts(Figure e) {
        return 1 + (e.colour() != null ? 1 : 0) + (e.size() != null ? 1 : 0) + (e.position() != null ? 1 : 0);
    }

    /** The seen figure (or null) for each expected one, maximizing the facts agreed (a few figures: exhaustively). */
    private record Assignment(int agreed, List<Figure> matches) {
    }

    private static Assignment assign(List<Figure> expected, List<Figure> seen, int from, boolean[] used) {
        if (from == expected.size()) {
            return new Assignment(0, new ArrayList<>());
        }
        Assignment best = null;
        for (int j = -1; j < seen.size(); j++) {
            if (j >= 0 && used[j]) {
                continue;
            }
            if (j >= 0) {
                used[j] = true;
            }
            Assignment rest = assign(expected, seen, from + 1, used);
            int agreed = rest.agreed + (j < 0 ? 0 : agreement(expected.get(from), seen.get(j)));
            if (best == null || agreed > best.agreed) {
                List<Figure> matches = new ArrayList<>();
                matches.add(j < 0 ? null : seen.get(j));
                matches.addAll(rest.matches);
                best = new Assignment(agreed, matches);
            }
            if (j >= 0) {
                used[j] = false;
            }
        }
        return best;
    }

    /** Each column's background: the mean of its top and bottom fifths, as {@code 0xRRGGBB}. */
    private static int[] columnBackgrounds(int[] rgb, int w, int h) {
        int band = Math.max(1, h / 5);
        int[] columns = new int[w];
        for (int x = 0; x < w; x++) {
            long[] sum = new long[3];
            for (int k = 0; k < 2 * band; k++) {
                int y = k < band ? k : h - 1 - (k - band);
                int p = rgb[y * w + x];
                sum[0] += p >> 16 & 0xff;
                sum[1] += p >> 8 & 0xff;
                sum[2] += p & 0xff;
            }
            columns[x] = (int) (sum[0] / (2 * band)) << 16 | (int) (sum[1] / (2 * band)) << 8 | (int) (sum[2] / (2 * band));
        }
        return columns;
    }

    /** The background the columns show, or null when they show none of the world's. */
    private static Background background(int[] columns) {
        int w = columns.length;
        Colour[] named = new Colour[w];
        for (int x = 0; x < w; x++) {
            named[x] = Colour.nearest(columns[x], COLOUR_TOLERANCE);
        }
        Colour first = named[0];
        Colour last = named[w - 1];
        if (first == null || last == null) {
            return null;
        }
        long firstColumns = Arrays.stream(named).filter(c -> c == first).count();
        if (firstColumns >= 0.9 * w) {
            return Background.plain(first);
        }
        Colour other = Arrays.stream(named).filter(c -> c != null && c != first).findFirst().orElse(null);
        Background striped = new Background(Background.Kind.STRIPED, first, other);
        Background gradient = new Background(Background.Kind.GRADIENT, first, last);
        for (Background candidate : List.of(striped, gradient)) {
            if (candidate.second() != null && fits(candidate, columns)) {
                return candidate;
            }
        }
        return null;
    }

    /** Whether nine columns in ten are within the tolerance of {@code b}'s colour there. */
    private static boolean fits(Background b, int[] columns) {
        int close = 0;
        for (int x = 0; x < columns.length; x++) {
            if (distanceSquared(columns[x], b.rgbAt((x + 0.5) / columns.length)) <= COLOUR_TOLERANCE * COLOUR_TOLERANCE) {
                close++;
            }
        }
        return close >= 0.9 * columns.length;
    }

    /** The pixels (indices) of each 4-connected component of {@code mask}; {@code labels} gets each pixel's, from 1. */
    private static List<int[]> components(boolean[] mask, int w, int h, int[] labels) {
        boolean[] seen = new boolean[mask.length];
        List<int[]> components = new ArrayList<>();
        int[] stack = new int[mask.length];
        for (int start = 0; start < mask.length; start++) {
            if (!mask[start] || seen[start]) {
                continue;
            }
            int top = 0;
            int size = 0;
            int[] pixels = new int[mask.length];
            stack[top++] = start;
            seen[start] = true;
            while (top > 0) {
                int i = stack[--top];
                pixels[size++] = i;
                labels[i] = components.size() + 1;
                int x = i % w;
                int y = i / w;
                int[] neighbours = {x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1};
                for (int n : neighbours) {
                    if (n >= 0 && mask[n] && !seen[n]) {
                        seen[n] = true;
                        stack[top++] = n;
                    }
                }
            }
            components.add(Arrays.copyOf(pixels, size));
        }
        return components;
    }

    /**
     * An image's pixels, its columns' backgrounds, and its foreground's components (pixels far from their column's
     * background, 4-connected) with each pixel's label (from 1; 0 for the background).
     */
    private record Image(int[] rgb, int[] columns, List<int[]> components, int[] labels, int w, int h) {

        static Image segment(BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
            int[] columns = columnBackgrounds(rgb, w, h);
            boolean[] foreground = new boolean[w * h];
            for (int i = 0; i < rgb.length; i++) {
                foreground[i] = distanceSquared(rgb[i], columns[i % w]) > FOREGROUND_DISTANCE * FOREGROUND_DISTANCE;
            }
            int[] labels = new int[w * h];
            List<int[]> components = Judge.components(foreground, w, h, labels);
            return new Image(rgb, columns, components, labels, w, h);
        }
    }

    /** The bounding box of a component's pixels, {@code width x height} from ({@code x0}, {@code y0}). */
    private record Box(int x0, int y0, int width, int height) {

        static Box of(int[] component, int w) {
            int x0 = w;
            int x1 = -1;
            int y0 = Integer.MAX_VALUE;
            int y1 = -1;
            for (int i : component) {
                x0 = Math.min(x0, i % w);
                x1 = Math.max(x1, i % w);
                y0 = Math.min(y0, i / w);
                y1 = Math.max(y1, i / w);
            }
            return new Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
        }

        int extent() {
            return Math.max(width, height);
        }
    }

    /** The figure that component {@code label} (its pixels {@code component}) shows, or null when it is none. */
    private static Figure figure(Image image, int[] component, int label) {
        int w = image.w();
        int[] votes = new int[Colour.values().length];
        double[] rows = new double[votes.length];
        int[] voters = interior(image, component, label);
        for (int i : voters) {
            Colour c = Colour.nearest(image.rgb()[i], COLOUR_TOLERANCE);
            if (c != null) {
                votes[c.ordinal()]++;
                rows[c.ordinal()] += i / w;
            }
        }
        int[] order = IntStream.range(0, votes.length).boxed().sorted(Comparator.comparingInt(c -> -votes[c]))
                .mapToInt(Integer::intValue).toArray();
        Colour first = Colour.values()[order[0]];
        Colour second = Colour.values()[order[1]];
        // Two colours' shared edge blends into neither: together they are at least half of a figure, as one is of a
        // figure of one colour.
        boolean two = votes[order[1]] >= MIN_COLOUR_SHARE * voters.length
                && votes[order[0]] + votes[order[1]] >= voters.length / 2;
        if (two && Concept.hasColours(first, second)) {
            return concept(image, component);
        }
        if (!two && votes[order[0]] < voters.length / 2) {
            return null;
        }
        Colour upper = first;
        Colour lower = null;
        if (two) {
            boolean firstAbove = rows[order[0]] / votes[order[0]] < rows[order[1]] / votes[order[1]];
            upper = firstAbove ? first : second;
            lower = firstAbove ? second : first;
        }
        Coverage coverage = Coverage.of(image, component, label, lower == null ? List.of(upper) : List.of(upper, lower));
        double extent = (double) Math.max(coverage.bw(), coverage.bh()) / w;
        if (extent > MAX_EXTENT || coverage.area() < MIN_AREA * w * image.h()) {
            return null;
        }
        ShapeType shape = shape(coverage);
        if (shape == null) {
            return null;
        }
        // The extent the shape is drawn at, from its area (thin points barely cover their pixels: the box misleads).
        double drawn = Math.sqrt(coverage.area() / PROTOTYPES.get(shape).unitArea()) / w;
        return new Figure(shape.word(), upper, lower, size(drawn), Figure.Position.of(coverage.cx() / w));
    }

    /**
     * The component's pixels whose four neighbours are in it too, or all of them where fewer than four are: the
     * colours a figure is read by. An edge pixel blends the figure's colour with the background's into what may be
     * a third named colour (red over yellow is orange), as much as a third of a small figure.
     */
    private static int[] interior(Image image, int[] component, int label) {
        int w = image.w();
        int h = image.h();
        int[] labels = image.labels();
        int[] inner = Arrays.stream(component).filter(i -> i % w > 0 && i % w < w - 1 && i / w > 0 && i / w < h - 1
                && labels[i - 1] == label && labels[i + 1] == label && labels[i - w] == label && labels[i + w] == label)
                .toArray();
        return inner.length >= 4 ? inner : component;
    }

    /**
     * The {@link Concept}'s figure: its size from its pixels' count over its outline's area (no shape's prototype
     * fits it), its position from their centroid; null where it is too large to be one.
     */
    private static Figure concept(Image image, int[] component) {
        int w = image.w();
        Box box = Box.of(component, w);
        if (box.extent() > MAX_EXTENT * w) {
            return null;
        }
        double sx = 0;
        for (int i : component) {
            sx += i % w + 0.5;
        }
        double drawn = Math.sqrt(component.length / CONCEPT_UNIT_AREA) / w;
        return new Figure(Concept.TOKEN, null, size(drawn), Figure.Position.of(sx / component.length / w));
    }

    /** The size whose extent is nearer {@code drawn} (a fraction of the side), by ratio. */
    private static Figure.Size size(double drawn) {
        return drawn < Math.sqrt(Figure.Size.SMALL.extent() * Figure.Size.LARGE.extent())
                ? Figure.Size.SMALL : Figure.Size.LARGE;
    }

    /**
     * A component's pixels by coverage (0 to 1; of a two-coloured figure, by the colour that covers more) over its
     * bounding box grown by a pixel, and the box of those covered at least half: {@code alpha} is {@code bw x bh}
     * from ({@code minX}, {@code minY}).
     */
    private record Coverage(double[] alpha, int minX, int minY, int bw, int bh, double area, double cx) {

        static Coverage of(Image image, int[] component, int label, List<Colour> colours) {
            int w = image.w();
            Box box = Box.of(component, w);
            int x0 = Math.max(0, box.x0() - 1);
            int y0 = Math.max(0, box.y0() - 1);
            int x1 = Math.min(w - 1, box.x0() + box.width());
            int y1 = Math.min(image.h() - 1, box.y0() + box.height());
            int minX = x1;
            int maxX = x0;
            int minY = y1;
            int maxY = y0;
            double[] full = new double[(x1 - x0 + 1) * (y1 - y0 + 1)];
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    int i = y * w + x;
                    int l = image.labels()[i];
                    double a = 0;
                    if (l == label || l == 0) {
                        for (Colour colour : colours) {
                            a = Math.max(a, coverage(image.rgb()[i], image.columns()[x], colour.rgb()));
                        }
                    }
                    full[(y - y0) * (x1 - x0 + 1) + x - x0] = a;
                    if (a >= 0.5) {
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            if (maxX < minX) {
                minX = maxX = x0;
                minY = maxY = y0;
            }
            int bw = maxX - minX + 1;
            int bh = maxY - minY + 1;
            double[] alpha = new double[bw * bh];
            double area = 0;
            double sx = 0;
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    double a = full[(y - y0) * (x1 - x0 + 1) + x - x0];
                    area += a;
                    sx += a * (x + 0.5);
                    if (x >= minX && x <= maxX && y >= minY && y <= maxY) {
                        alpha[(y - minY) * bw + x - minX] = a;
                    }
                }
            }
            return new Coverage(alpha, minX, minY, bw, bh, area, area > 0 ? sx / area : (minX + maxX + 1) / 2.0);
        }

        /** How much of a pixel of colour {@code p} is {@code figure} over {@code background}, clamped to 0 to 1. */
        private static double coverage(int p, int background, int figure) {
            double dot = 0;
            double norm = 0;
            for (int shift = 16; shift >= 0; shift -= 8) {
                int b = background >> shift & 0xff;
                dot += ((p >> shift & 0xff) - b) * (double) ((figure >> shift & 0xff) - b);
                norm += Math.pow((figure >> shift & 0xff) - b, 2);
            }
            return norm == 0 ? 0 : Math.min(1, Math.max(0, dot / norm));
        }
    }

    /** The shape whose descriptors are nearest to the coverage's (a hole makes it a ring); null for none. */
    private static ShapeType shape(Coverage c) {
        boolean[] inside = new boolean[c.bw() * c.bh()];
        for (int i = 0; i < inside.length; i++) {
            inside[i] = c.alpha()[i] >= 0.5;
        }
        if (holeArea(inside, c.bw(), c.bh()) > 0.03 * c.bw() * c.bh()) {
            return ShapeType.RING;
        }
        double[] seen = descriptors(c.alpha(), c.bw(), c.bh());
        if (!Arrays.stream(seen).allMatch(Double::isFinite)) {
            return null; // nothing covered even half a pixel: a smear, no shape
        }
        ShapeType nearest = null;
        double best = Double.MAX_VALUE;
        for (Map.Entry<ShapeType, Prototype> d : PROTOTYPES.entrySet()) {
            if (d.getKey() == ShapeType.RING) {
                continue;
            }
            double distance = 0;
            for (int k = 0; k < seen.length; k++) {
                distance += Math.pow(seen[k] - d.getValue().descriptors()[k], 2);
            }
            if (distance < best) {
                best = distance;
                nearest = d.getKey();
            }
        }
        return nearest;
    }

    /** Fill, solidity, |F3|, Re F4 and |F5| of a coverage map {@code bw x bh}. */
    private static double[] descriptors(double[] alpha, int bw, int bh) {
        boolean[] inside = new boolean[alpha.length];
        double area = 0;
        double sx = 0;
        double sy = 0;
        for (int i = 0; i < alpha.length; i++) {
            inside[i] = alpha[i] >= 0.5;
            area += alpha[i];
            sx += alpha[i] * (i % bw + 0.5);
            sy += alpha[i] * (i / bw + 0.5);
        }
        double cx = sx / area;
        double cy = sy / area;
        double[] re = new double[6];
        double[] im = new double[6];
        double norm = 0;
        for (int i = 0; i < alpha.length; i++) {
            double dx = i % bw + 0.5 - cx;
            double dy = i / bw + 0.5 - cy;
            double weight = alpha[i] * (dx * dx + dy * dy);
            double theta = Math.atan2(dy, dx);
            norm += weight;
            for (int k = 3; k <= 5; k++) {
                re[k] += weight * Math.cos(k * theta);
                im[k] += weight * Math.sin(k * theta);
            }
        }
        return new double[] {area / (bw * bh), area / hullArea(inside, bw, bh), Math.hypot(re[3], im[3]) / norm,
                re[4] / norm, Math.hypot(re[5], im[5]) / norm};
    }

    /** A shape's descriptors and its area per squared extent. */
    private record Prototype(double[] descriptors, double unitArea) {
    }

    private static Map<ShapeType, Prototype> prototypes() {
        Map<ShapeType, Prototype> prototypes = new EnumMap<>(ShapeType.class);
        for (ShapeType shape : ShapeType.values()) {
            prototypes.put(shape, prototype(extent -> SceneRenderer.outline(shape, PROTOTYPE_SIDE / 2.0,
                    PROTOTYPE_SIDE / 2.0, extent)));
        }
        return prototypes;
    }

    /** The descriptors of an outline ({@code extent} across, centred) drawn large, and its area per squared extent. */
    private static Prototype prototype(DoubleFunction<Shape> outline) {
        int side = PROTOTYPE_SIDE;
        double extent = 0.8 * side;
        BufferedImage drawn = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = drawn.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fill(outline.apply(extent));
        g.dispose();
        int x0 = side;
        int x1 = -1;
        int y0 = side;
        int y1 = -1;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                if ((drawn.getRGB(x, y) & 0xff) >= 128) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        double[] alpha = new double[(x1 - x0 + 1) * (y1 - y0 + 1)];
        double area = 0;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                alpha[(y - y0) * (x1 - x0 + 1) + x - x0] = (drawn.getRGB(x, y) & 0xff) / 255.0;
                area += (drawn.getRGB(x, y) & 0xff) / 255.0;
            }
        }
        return new Prototype(descriptors(alpha, x1 - x0 + 1, y1 - y0 + 1), area / (extent * extent));
    }

    /** Pixels of the bounding box outside the component that no path outside it joins to the box's edge. */
    private static int holeArea(boolean[] inside, int bw, int bh) {
        boolean[] outside = new boolean[inside.length];
        int[] stack = new int[inside.length];
        int top = 0;
        for (int i = 0; i < inside.length; i++) {
            int x = i % bw;
            int y = i / bw;
            if (!inside[i] && (x == 0 || y == 0 || x == bw - 1 || y == bh - 1)) {
                outside[i] = true;
                stack[top++] = i;
            }
        }
        while (top > 0) {
            int i = stack[--top];
            int x = i % bw;
            int y = i / bw;
            int[] neighbours = {x > 0 ? i - 1 : -1, x < bw - 1 ? i + 1 : -1, y > 0 ? i - bw : -1, y < bh - 1 ? i + bw : -1};
            for (int n : neighbours) {
                if (n >= 0 && !inside[n] && !outside[n]) {
                    outside[n] = true;
                    stack[top++] = n;
                }
            }
        }
        int holes = 0;
        for (int i = 0; i < inside.length; i++) {
            holes += !inside[i] && !outside[i] ? 1 : 0;
        }
        return holes;
    }

    /** The area of the convex hull of the component's pixel squares (Andrew's monotone chain on their corners). */
    private static double hullArea(boolean[] inside, int bw, int bh) {
        List<long[]> corners = new ArrayList<>();
        for (int y = 0; y < bh; y++) {
            int first = -1;
            int last = -1;
            for (int x = 0; x < bw; x++) {
                if (inside[y * bw + x]) {
                    first = first < 0 ? x : first;
                    last = x;
                }
            }
            if (first >= 0) {
                corners.add(new long[] {first, y});
                corners.add(new long[] {first, y + 1});
                corners.add(new long[] {last + 1, y});
                corners.add(new long[] {last + 1, y + 1});
            }
        }
        corners.sort(Comparator.<long[]>comparingLong(p -> p[0]).thenComparingLong(p -> p[1]));
        int n = corners.size();
        long[][] hull = new long[2 * n][];
        int k = 0;
        for (int i = 0; i < n; i++) {
            while (k >= 2 && cross(hull[k - 2], hull[k - 1], corners.get(i)) <= 0) {
                k--;
            }
            hull[k++] = corners.get(i);
        }
        for (int i = n - 2, lower = k + 1; i >= 0; i--) {
            while (k >= lower && cross(hull[k - 2], hull[k - 1], corners.get(i)) <= 0) {
                k--;
            }
            hull[k++] = corners.get(i);
        }
        double area = 0;
        for (int i = 0; i < k - 1; i++) {
            area += hull[i][0] * hull[i + 1][1] - hull[i + 1][0] * hull[i][1];
        }
        return Math.abs(area) / 2;
    }

    private static long cross(long[] o, long[] a, long[] b) {
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    }

    private static int distanceSquared(int a, int b) {
        int dr = (a >> 16 & 0xff) - (b >> 16 & 0xff);
        int dg = (a >> 8 & 0xff) - (b >> 8 & 0xff);
        int db = (a & 0xff) - (b & 0xff);
        return dr * dr + dg * dg + db * db;
    }
}
