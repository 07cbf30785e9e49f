package io.sdtune.diffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import io.sdtune.diffusion.weights.Npy;
import io.sdtune.diffusion.weights.WeightSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our UNet, VAE and text encoder compute the same functions as diffusers' and transformers' on the
 * same weights: reference outputs in {@code src/test/resources/.../parity} were produced by those
 * libraries (see the README there) from the tiny model that {@link TinyModel} writes with seed 0.
 */
class DiffusersParityTest {
    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;
    static StableDiffusion model;

    @BeforeAll
    static void loadTinyModel() {
        TinyModel.write(dir.resolve("tiny"), TinyModel.Architecture.TINY, DType.FLOAT32, 0, file -> { });
        model = StableDiffusion.load(dir.resolve("tiny"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void unetMatchesDiffusers() throws Exception {
        Graph g = Graph.create();
        Tensor sample = input(g, "unet_sample");
        Tensor timestep = input(g, "unet_timestep");
        Tensor text = input(g, "unet_encoder_hidden_states");
        Tensor out = new UNet2DConditionModel(g, DType.FLOAT32, "", model.unetConfig()).forward(sample, timestep, text);

        assertMatches(run(out, model.unet(), sample, timestep, text), "unet_out");
    }

    @Test
    void vaeDecoderAndEncoderMatchDiffusers() throws Exception {
        Graph g = Graph.create();
        AutoencoderKL vae = new AutoencoderKL(g, DType.FLOAT32, "", model.vaeConfig());
        Tensor latents = input(g, "vae_latents");
        Tensor image = input(g, "vae_image");
        Tensor decoded = vae.decode(latents);
        AutoencoderKL.Posterior posterior = vae.encode(image);

        assertMatches(run(decoded, model.vae(), latents), "vae_decoded");
        assertMatches(run(posterior.mean(), model.vae(), image), "vae_mean");
        assertMatches(run(posterior.logvar(), model.vae(), image), "vae_logvar");
    }

    @Test
    void textEncoderMatchesTransformers() throws Exception {
        Graph g = Graph.create();
        Tensor ids = input(g, "clip_input_ids");
        Tensor hidden = new ClipTextModel(g, DType.FLOAT32, "", model.textEncoderConfig()).forward(ids);

        assertMatches(run(hidden, model.textEncoder(), ids), "clip_last_hidden_state");
        assertThat(fixture("clip_input_ids").toDoubleArray()).startsWith(
                model.tokenizer().encode("a photo of sks dog").inputIds()[0], 320, 1125, 539, 48136, 1929, 49407);
    }

    private static Tensor input(Graph g, String name) throws Exception {
        TensorData t = fixture(name);
        return g.input(name, t.dtype(), t.shape());
    }

    /** Runs {@code output} with each input fed the fixture of its name. */
    private static TensorData run(Tensor output, WeightSource weights, Tensor... inputs) throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        Map<String, TensorData> feeds = new LinkedHashMap<>();
        for (Tensor t : inputs) {
            in.put(t.name(), t);
            feeds.put(t.name(), fixture(t.name()));
        }
        try (Session s = Session.create(new Program(in, Map.of("out", output)), key -> weights.get(key, DType.FLOAT32),
                Device.CPU)) {
            return s.run(feeds).get("out");
        }
    }

    private static void assertMatches(TensorData actual, String reference) throws Exception {
        TensorData expected = fixture(reference);
        assertThat(actual.shape()).isEqualTo(expected.shape());
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - e[i]) / (1 + Math.abs(e[i])));
        }
        assertThat(worst).as("largest difference from %s", reference).isLessThan(TOLERANCE);
    }

    private static TensorData fixture(String name) throws Exception {
        return Npy.read(Path.of(DiffusersParityTest.class.getResource("/io/sdtune/diffusion/parity/" + name + ".npy").toURI()));
    }
}
