package io.sdtune.diffusion.world;

/**
 * A scene's background: one colour, a left-to-right gradient from {@code first} to {@code second}, or vertical
 * stripes of the two. In a prompt, a null background (or a null second colour of a plain one) is left to the model.
 */
public record Background(Kind kind, Colour first, Colour second) {

    public enum Kind { PLAIN, GRADIENT, STRIPED }

    /** Stripes per image width. */
    public static final int STRIPES = 8;

    public static Background plain(Colour colour) {
        return new Background(Kind.PLAIN, colour, null);
    }

    /** {@code a blue background}, {@code a blue to white gradient background}, {@code an orange and white striped background}. */
    public String phrase() {
        return Figure.withArticle(switch (kind) {
            case PLAIN -> first.word() + " background";
            case GRADIENT -> first.word() + " to " + second.word() + " gradient background";
            case STRIPED -> first.word() + " and " + second.word() + " striped background";
        });
    }

    /** The background's colour at {@code x} (a fraction of the width, 0 to 1), as {@code 0xRRGGBB}. */
    public int rgbAt(double x) {
        return switch (kind) {
            case PLAIN -> first.rgb();
            case GRADIENT -> mix(first.rgb(), second.rgb(), x);
            case STRIPED -> (int) Math.floor(x * STRIPES) % 2 == 0 ? first.rgb() : second.rgb();
        };
    }

    private static int mix(int a, int b, double t) {
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int ca = a >> shift & 0xff;
            int cb = b >> shift & 0xff;
            rgb |= (int) Math.round(ca + (cb - ca) * Math.min(1, Math.max(0, t))) << shift;
        }
        return rgb;
    }
}
