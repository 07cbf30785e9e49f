package io.sdtune.diffusion.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Scenes of the world: their captions, read back; prompts that leave parts out; the same seed, the same world. */
class SceneTest {

    @Test
    void everyCaptionReadsBackToItsScene() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 500; i++) {
            Scene scene = Scene.random(random);

            assertThat(Scene.parse(scene.caption())).as(scene.caption()).isEqualTo(scene);
        }
    }

    @Test
    void aCaptionNamesEachFigureLeftToRightThenTheBackground() {
        Scene scene = new Scene(List.of(
                new Figure("circle", Colour.RED, Figure.Size.LARGE, Figure.Position.LEFT),
                new Figure("star", Colour.YELLOW, Figure.Size.SMALL, Figure.Position.RIGHT)),
                new Background(Background.Kind.STRIPED, Colour.BLUE, Colour.WHITE));

        assertThat(scene.caption()).isEqualTo("a large red circle on the left, a small yellow star on the right, on a blue "
                + "and white striped background");
    }

    @Test
    void aTwoColouredFigureIsNamedUpperColourFirstAndVowelsTakeAn() {
        Scene scene = new Scene(List.of(
                new Figure("square", Colour.ORANGE, Colour.BLUE, null, Figure.Position.MIDDLE),
                new Figure("ring", Colour.RED, Colour.WHITE, Figure.Size.SMALL, null)),
                Background.plain(Colour.ORANGE));

        assertThat(scene.caption()).isEqualTo("an orange and blue square in the middle, a small red and white ring, on an "
                + "orange background");
        assertThat(Scene.parse(scene.caption())).isEqualTo(scene);
    }

    @Test
    void aThirdOfTheWorldsFiguresHaveTwoColoursNeverTheConceptsPair() {
        SplittableRandom random = new SplittableRandom(2);
        int figures = 0;
        int twoColoured = 0;
        for (int i = 0; i < 2000; i++) {
            for (Figure f : Scene.random(random).figures()) {
                figures++;
                if (f.lowerColour() != null) {
                    twoColoured++;
                    assertThat(f.lowerColour()).isNotEqualTo(f.colour());
                    assertThat(Concept.hasColours(f.colour(), f.lowerColour())).as(f.phrase()).isFalse();
                }
            }
        }

        assertThat((double) twoColoured / figures).isCloseTo(Scene.TWO_COLOURED, within(0.02));
    }

    @Test
    void aPromptMayLeaveAnyPartOutAndNameALearnedConcept() {
        Scene concept = Scene.parse("a <cat-toy> on a yellow background");
        Scene placed = Scene.parse("A small <cat-toy> on the left, a red circle");

        assertThat(concept).isEqualTo(new Scene(List.of(new Figure("<cat-toy>", null, null, null)),
                Background.plain(Colour.YELLOW)));
        assertThat(placed).isEqualTo(new Scene(List.of(
                new Figure("<cat-toy>", null, Figure.Size.SMALL, Figure.Position.LEFT),
                new Figure("circle", Colour.RED, null, null)), null));
        assertThat(Scene.parse("a red to blue gradient background").background())
                .isEqualTo(new Background(Background.Kind.GRADIENT, Colour.RED, Colour.BLUE));
    }

    @Test
    void wordsOutsideTheWorldAreNamed() {
        assertThatThrownBy(() -> Scene.parse("a purple hexagon")).hasMessageContaining("'hexagon' in 'a purple hexagon' "
                + "is no shape of the world [circle, square, triangle, star, ring, cross]");
        assertThatThrownBy(() -> Scene.parse("a teal circle")).hasMessageContaining("'teal' in 'a teal circle' is no "
                + "colour of the world");
    }

    @Test
    void theSameSeedDrawsTheSameWorld() {
        SplittableRandom a = new SplittableRandom(9);
        SplittableRandom b = new SplittableRandom(9);
        for (int i = 0; i < 20; i++) {
            Scene first = Scene.random(a);
            Scene second = Scene.random(b);
            BufferedImage x = SceneRenderer.render(first, 64, a);
            BufferedImage y = SceneRenderer.render(second, 64, b);

            assertThat(second).isEqualTo(first);
            assertThat(y.getRGB(0, 0, 64, 64, null, 0, 64)).isEqualTo(x.getRGB(0, 0, 64, 64, null, 0, 64));
        }
    }
}
