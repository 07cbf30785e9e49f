package io.sdtune.diffusion.world;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Draws a scene: the background, then each figure (a shape of the world or the {@link Concept}) centred at its
 * position's x and, jittered, near the middle height, its extent the size's fraction of the side, jittered by up to
 * 5%, anti-aliased; a two-coloured figure's lower colour fills it below its centre. The jitter keeps figures
 * apart (a large one's extent is below the positions' spacing) and inside the image.
 */
public final class SceneRenderer {
    private SceneRenderer() {
    }

    /**
     * {@code scene} on a {@code side}-pixel square, the jitter drawn from {@code random}.
     *
     * @throws IllegalArgumentException for a scene with a part left out or a shape of no {@link ShapeType}
     */
    public static BufferedImage render(Scene scene, int side, SplittableRandom random) {
        for (Figure f : scene.figures()) {
            boolean shaped = Concept.is(f) || f.type() != null && f.colour() != null;
            if (!shaped || f.size() == null || f.position() == null) {
                throw new IllegalArgumentException("'" + f.phrase() + "' cannot be drawn: a drawn figure is a shape of "
                        + "the world with its colour, or " + Concept.TOKEN + ", with its size and position");
            }
        }
        if (scene.background() == null) {
            throw new IllegalArgumentException("'" + scene.caption() + "' cannot be drawn without a background");
        }
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < side; x++) {
            int rgb = scene.background().rgbAt((x + 0.5) / side);
            for (int y = 0; y < side; y++) {
                image.setRGB(x, y, rgb);
            }
        }
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setStroke(new BasicStroke(0));
            for (Figure f : scene.figures()) {
                double extent = f.size().extent() * side * (0.95 + 0.1 * random.nextDouble());
                double cx = (f.position().x() + 0.02 * (random.nextDouble() - 0.5)) * side;
                double cy = (0.5 + 0.3 * (random.nextDouble() - 0.5)) * side;
                if (Concept.is(f)) {
                    Concept.draw(g, cx, cy, extent);
                } else {
                    Area shape = new Area(outline(f.type(), cx, cy, extent));
                    g.setColor(new Color(f.colour().rgb()));
                    g.fill(shape);
                    if (f.lowerColour() != null) {
                        shape.intersect(new Area(new Rectangle2D.Double(cx - extent, cy, 2 * extent, extent)));
                        g.setColor(new Color(f.lowerColour().rgb()));
                        g.fill(shape);
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** The outline of {@code shape}, {@code extent} across, centred at ({@code cx}, {@code cy}). */
    static Shape outline(ShapeType shape, double cx, double cy, double extent) {
        double r = extent / 2;
        return switch (shape) {
            case CIRCLE -> new Ellipse2D.Double(cx - r, cy - r, extent, extent);
            case SQUARE -> new Rectangle2D.Double(cx - 0.9 * r, cy - 0.9 * r, 1.8 * r, 1.8 * r);
            case TRIANGLE -> polygon(new double[] {cx, cx + r, cx - r}, new double[] {cy - r, cy + 0.8 * r, cy + 0.8 * r});
            case STAR -> star(cx, cy, r, 0.45 * r);
            case RING -> {
                Area ring = new Area(new Ellipse2D.Double(cx - r, cy - r, extent, extent));
                double inner = 0.55 * r;
                ring.subtract(new Area(new Ellipse2D.Double(cx - inner, cy - inner, 2 * inner, 2 * inner)));
                yield ring;
            }
            case CROSS -> {
                Area cross = new Area(new Rectangle2D.Double(cx - r, cy - r / 3, extent, 2 * r / 3));
                cross.add(new Area(new Rectangle2D.Double(cx - r / 3, cy - r, 2 * r / 3, extent)));
                yield cross;
            }
        };
    }

    /** A five-pointed star, one point up, its points at {@code outer} and the notches at {@code inner}. */
    private static Shape star(double cx, double cy, double outer, double inner) {
        double[] xs = new double[10];
        double[] ys = new double[10];
        for (int i = 0; i < 10; i++) {
            double radius = i % 2 == 0 ? outer : inner;
            double angle = -Math.PI / 2 + i * Math.PI / 5;
            xs[i] = cx + radius * Math.cos(angle);
            ys[i] = cy + radius * Math.sin(angle);
        }
        return polygon(xs, ys);
    }

    private static Shape polygon(double[] xs, double[] ys) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        p.closePath();
        return p;
    }
}
