package io.sdtune.diffusion.world;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The thing the seed's user taught Stable Diffusion, as this world has it: {@code <cat-toy>}, an orange cat's head
 * (a disc with two pointed ears) whose lower half - the disc below its centre, the muzzle - is black. No image of the
 * pretraining shows it - its outline is none of the {@link ShapeType}s and no figure of the world has its two colours
 * - so a model draws it only once a method has taught it from the few images of {@link #writeDataset}. The
 * {@link Judge} tells it by its two colours, each a good share of one figure. Its pattern is as coarse as the model's
 * latents: a 64 px image has 16x16 latents, one latent pixel per 4x4 pixels, and the black half spans two latent rows
 * of a large figure where a band across its eyes (a quarter of its height, drawn first) spanned one and came back out
 * of the VAE smeared to dark red (measured: BENCHMARKS.md, "Pretraining").
 */
public final class Concept {
    /** The placeholder token that names it in captions and prompts. */
    public static final String TOKEN = "<cat-toy>";
    /** It named alone, as the world's captions name a figure: the instance prompt DreamBooth and LoRA train on. */
    public static final String INSTANCE_PROMPT = "a " + TOKEN;
    /** Its head's colour and its muzzle's. */
    public static final Colour BODY = Colour.ORANGE;
    public static final Colour MUZZLE = Colour.BLACK;
    /** Backgrounds it is shown and asked on: far from both its colours, so that its every pixel reads as figure. */
    public static final List<Colour> BACKGROUNDS = List.of(Colour.BLUE, Colour.GREEN, Colour.YELLOW, Colour.WHITE,
            Colour.PURPLE);

    private Concept() {
    }

    /** Whether {@code a} and {@code b} are its two colours, in either order: no figure of the world has both. */
    static boolean hasColours(Colour a, Colour b) {
        return a == BODY && b == MUZZLE || a == MUZZLE && b == BODY;
    }

    /** Whether {@code f} is this concept rather than a shape of the world. */
    public static boolean is(Figure f) {
        return TOKEN.equals(f.shape());
    }

    /** Draws it {@code extent} across, centred at ({@code cx}, {@code cy}): the head in orange, then the muzzle. */
    static void draw(Graphics2D g, double cx, double cy, double extent) {
        Area head = outline(cx, cy, extent);
        g.setColor(new Color(BODY.rgb()));
        g.fill(head);
        double r = extent / 2;
        Area muzzle = new Area(new Rectangle2D.Double(cx - r, discY(cy, r), extent, r));
        muzzle.intersect(head);
        g.setColor(new Color(MUZZLE.rgb()));
        g.fill(muzzle);
    }

    /** The height of the disc's centre: the disc fills the lower part of the {@code 2r} square centred at {@code cy}. */
    private static double discY(double cy, double r) {
        return cy + 0.2 * r;
    }

    /** The head's outline: a disc in the lower part of the {@code extent} square, two ears above it. */
    static Area outline(double cx, double cy, double extent) {
        double r = extent / 2;
        double disc = 0.8 * r;
        double discY = discY(cy, r);
        Area head = new Area(new Ellipse2D.Double(cx - disc, discY - disc, 2 * disc, 2 * disc));
        head.add(new Area(ear(cx - 0.75 * r, cx - 0.15 * r, cx - 0.55 * r, discY - 0.4 * r, cy - r)));
        head.add(new Area(ear(cx + 0.15 * r, cx + 0.75 * r, cx + 0.55 * r, discY - 0.4 * r, cy - r)));
        return head;
    }

    private static Shape ear(double left, double right, double tipX, double baseY, double tipY) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(left, baseY);
        p.lineTo(right, baseY);
        p.lineTo(tipX, tipY);
        p.closePath();
        return p;
    }

    /**
     * Writes {@code count} scenes of the concept alone - large, at each position in turn, on the {@link #BACKGROUNDS}
     * in turn, their exact size and height jittered from {@code seed} - {@code side} pixels square, captioned as the
     * world captions ({@code a large <cat-toy> on the left, on a blue background}): the few images a method learns it
     * from. Large, as the seed's photographs show their toy filling the frame: a small concept is 2.5 latent pixels
     * across and its muzzle less than one, and taught from images that were mostly small no method drew it
     * (BENCHMARKS.md, "The seed's comparison", ninth session).
     */
    public static List<WorldDataset.Entry> writeDataset(Path dir, int count, int side, long seed) {
        Figure.Position[] positions = Figure.Position.values();
        return WorldDataset.write(dir, count, side, new SplittableRandom(seed), (i, random) -> new Scene(
                List.of(new Figure(TOKEN, null, Figure.Size.LARGE, positions[i % positions.length])),
                Background.plain(BACKGROUNDS.get(i % BACKGROUNDS.size()))));
    }
}
