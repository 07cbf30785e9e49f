package io.sdtune.diffusion.world;

/**
 * The named colours of the world, far apart in RGB so that a pixel is told to one of them by its nearest: every
 * pair differs by at least 100 in the Euclidean distance of their sRGB values.
 */
public enum Colour {
    RED(220, 40, 40),
    ORANGE(245, 130, 0),
    YELLOW(245, 230, 50),
    GREEN(40, 170, 60),
    BLUE(40, 80, 220),
    PURPLE(150, 60, 190),
    WHITE(245, 245, 245),
    BLACK(25, 25, 25);

    private final int r;
    private final int g;
    private final int b;

    Colour(int r, int g, int b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    public String word() {
        return name().toLowerCase();
    }

    /** The colour as {@code 0xRRGGBB}. */
    public int rgb() {
        return r << 16 | g << 8 | b;
    }

    /** Squared distance of {@code rgb} ({@code 0xRRGGBB}) to this colour. */
    public int distanceSquared(int rgb) {
        int dr = (rgb >> 16 & 0xff) - r;
        int dg = (rgb >> 8 & 0xff) - g;
        int db = (rgb & 0xff) - b;
        return dr * dr + dg * dg + db * db;
    }

    /** The colour nearest to {@code rgb}, or null when none is within {@code maxDistance}. */
    public static Colour nearest(int rgb, int maxDistance) {
        Colour best = null;
        int bestDistance = maxDistance * maxDistance + 1;
        for (Colour c : values()) {
            int d = c.distanceSquared(rgb);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }
}
