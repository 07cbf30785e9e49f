package io.sdtune.diffusion.world;

/** The shapes of the world, by the word a caption names them with. */
public enum ShapeType {
    CIRCLE, SQUARE, TRIANGLE, STAR, RING, CROSS;

    public String word() {
        return name().toLowerCase();
    }
}
