package io.sdtune.deploy.demo;

import io.sdtune.deploy.demo.GatewayClient.NamedImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Stand-ins for the seed's cat-toy photographs (diffusers' cat_toy_example), drawn here since this system
 * downloads nothing: the same small plush cat - body, head, ears, eyes, tail - on a different floor and wall
 * each time, moved, scaled and turned a little, as a handful of photos of one object would be.
 */
public final class SampleImages {
    private static final int SIZE = 256;
    private static final Color FUR = new Color(92, 112, 168);
    private static final Color FUR_SHADE = new Color(64, 80, 128);

    private SampleImages() {
    }

    /** {@code count} PNGs, the same for the same {@code seed}. */
    public static List<NamedImage> catToy(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<NamedImage> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            images.add(new NamedImage("cat-toy-" + i + ".png", png(draw(random))));
        }
        return images;
    }

    private static BufferedImage draw(SplittableRandom random) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int horizon = 120 + random.nextInt(60);
        g.setPaint(new GradientPaint(0, 0, randomColor(random, 150), 0, horizon, randomColor(random, 150)));
        g.fillRect(0, 0, SIZE, horizon);
        g.setColor(randomColor(random, 90));
        g.fillRect(0, horizon, SIZE, SIZE - horizon);

        AffineTransform placed = new AffineTransform();
        placed.translate(SIZE / 2.0 + random.nextInt(-40, 41), horizon + 40 + random.nextInt(0, 30));
        placed.rotate(Math.toRadians(random.nextInt(-15, 16)));
        placed.scale(0.8 + 0.4 * random.nextDouble(), 0.8 + 0.4 * random.nextDouble());
        g.transform(placed);
        drawCat(g);
        g.dispose();
        return image;
    }

    /** The toy, sitting, its base at the origin. */
    private static void drawCat(Graphics2D g) {
        g.setColor(FUR_SHADE);
        g.setStroke(new BasicStroke(10, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.drawArc(20, -60, 60, 60, -90, 180);
        g.setColor(FUR);
        g.fillOval(-45, -90, 90, 90);
        g.fillOval(-35, -150, 70, 65);
        g.fillPolygon(new Polygon(new int[] {-33, -25, -8}, new int[] {-125, -165, -145}, 3));
        g.fillPolygon(new Polygon(new int[] {33, 25, 8}, new int[] {-125, -165, -145}, 3));
        g.setColor(Color.WHITE);
        g.fillOval(-30, -60, 60, 55);
        g.setColor(new Color(250, 210, 60));
        g.fillOval(-20, -128, 14, 16);
        g.fillOval(6, -128, 14, 16);
        g.setColor(Color.BLACK);
        g.fillOval(-15, -124, 5, 10);
        g.fillOval(11, -124, 5, 10);
        g.setColor(new Color(230, 120, 150));
        g.fillOval(-4, -108, 8, 6);
    }

    private static Color randomColor(SplittableRandom random, int base) {
        return new Color(base + random.nextInt(100), base + random.nextInt(100), base + random.nextInt(100));
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
