package io.sdtune.diffusion.world;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.tokenizer.ClipTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training captions as people write prompts: what they leave out, what they rename, and that the images stay. */
class VariedCaptionsTest {

    @Test
    void aVariedCaptionSaysNothingTheSceneDoesNotShow() {
        SplittableRandom scenes = new SplittableRandom(1);
        SplittableRandom variation = new SplittableRandom(2);
        int renamed = 0;
        int backgrounds = 0;
        for (int i = 0; i < 1000; i++) {
            Scene scene = Scene.random(scenes);
            String caption = VariedCaptions.of(scene, variation);
            if (VariedCaptions.WORDS.stream().anyMatch(w -> caption.contains(" " + w))) {
                renamed++;
                continue;
            }
            Scene told = Scene.parse(caption);
            backgrounds += told.background() == null ? 0 : 1;
            assertThat(told.background()).isIn(null, scene.background());
            assertThat(told.figures()).hasSameSizeAs(scene.figures());
            for (int k = 0; k < told.figures().size(); k++) {
                Figure t = told.figures().get(k);
                Figure f = scene.figures().get(k);
                assertThat(t.shape()).isEqualTo(f.shape());
                assertThat(t.colour()).isIn(null, f.colour());
                assertThat(t.lowerColour()).isEqualTo(t.colour() == null ? null : f.lowerColour());
                assertThat(t.size()).isIn(null, f.size());
                assertThat(t.position()).isIn(null, f.position());
            }
        }

        assertThat(renamed / 1000.0).isCloseTo(VariedCaptions.UNKNOWN_WORD, within(0.04));
        assertThat(backgrounds / (1000.0 - renamed)).isCloseTo(1 - VariedCaptions.NO_BACKGROUND, within(0.04));
    }

    @Test
    void noOtherWordSharesAWordPieceWithTheConceptsToken() {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        List<String> concept = tokenizer.tokenize(Concept.TOKEN).stream()
                .filter(piece -> piece.replace("</w>", "").chars().anyMatch(Character::isLetter)).toList();

        for (String word : VariedCaptions.WORDS) {
            assertThat(tokenizer.tokenize(word)).as(word).doesNotContainAnyElementsOf(concept);
        }
    }

    @Test
    void variedCaptionsLeaveTheImagesAsTheyAre(@TempDir Path dir) throws Exception {
        List<WorldDataset.Entry> whole = WorldDataset.write(dir.resolve("whole"), 20, 64, 3, WorldDataset.Captions.WHOLE);
        List<WorldDataset.Entry> varied = WorldDataset.write(dir.resolve("varied"), 20, 64, 3,
                WorldDataset.Captions.VARIED);

        for (int i = 0; i < 20; i++) {
            assertThat(varied.get(i).image()).hasSameBinaryContentAs(whole.get(i).image());
        }
        assertThat(varied).map(WorldDataset.Entry::caption).isNotEqualTo(whole.stream().map(WorldDataset.Entry::caption)
                .toList());
    }
}
