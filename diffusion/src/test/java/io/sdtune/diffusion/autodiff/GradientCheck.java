package io.sdtune.diffusion.autodiff;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Node;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks reverse-mode gradients against central finite differences, both computed by ONNX Runtime on
 * the CPU. The checked function is {@code L = Σ f(x) ⊙ R} with a fixed random {@code R}, so every
 * element of the Jacobian contributes.
 */
final class GradientCheck {
    private final List<TensorData> inputs;
    private final Function<List<Tensor>, Tensor> f;
    private final double eps;
    private final double tolerance;

    GradientCheck(List<TensorData> inputs, Function<List<Tensor>, Tensor> f) {
        this.inputs = inputs;
        this.f = f;
        boolean f64 = inputs.stream().allMatch(t -> t.dtype() != DType.FLOAT32);
        this.eps = f64 ? 1e-6 : 1e-2;
        this.tolerance = f64 ? 1e-6 : 3e-3;
    }

    /** Runs the check, recording the op types of the forward graph into {@code opsSeen}. */
    void run(Set<String> opsSeen) {
        Graph g = Graph.create();
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        List<Tensor> xs = new ArrayList<>();
        List<Tensor> wrt = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor x = g.input("x" + i, inputs.get(i).dtype(), inputs.get(i).shape());
            feeds.put(x.name(), x);
            xs.add(x);
            if (x.dtype().isFloatingPoint()) {
                wrt.add(x);
            }
        }
        Tensor y = f.apply(xs);
        g.nodes().stream().map(Node::opType).forEach(opsSeen::add);
        TensorData r = TensorData.randn(y.dtype(), y.shape(), 1, new Random(7));
        Tensor loss = y.mul(g.constant(r)).sum();
        Map<Tensor, Tensor> grads = Gradients.of(loss, wrt);
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("loss", loss);
        for (int i = 0; i < wrt.size(); i++) {
            outputs.put("grad" + i, grads.get(wrt.get(i)));
        }

        try (Session s = Session.create(new Program(feeds, outputs), name -> null, Device.CPU)) {
            Map<String, TensorData> feed = new LinkedHashMap<>();
            for (int i = 0; i < inputs.size(); i++) {
                feed.put("x" + i, inputs.get(i).copy());
            }
            Map<String, TensorData> analytic = s.run(feed);
            int k = 0;
            for (int i = 0; i < inputs.size(); i++) {
                TensorData x = feed.get("x" + i);
                if (!x.dtype().isFloatingPoint()) {
                    continue;
                }
                double[] numeric = new double[(int) x.size()];
                for (int j = 0; j < numeric.length; j++) {
                    double v = x.get(j);
                    x.set(j, v + eps);
                    double up = s.run(feed).get("loss").get(0);
                    x.set(j, v - eps);
                    double down = s.run(feed).get("loss").get(0);
                    x.set(j, v);
                    numeric[j] = (up - down) / (2 * eps);
                }
                assertClose("input " + i, analytic.get("grad" + k++).toDoubleArray(), numeric, tolerance);
            }
        }
    }

    /** Fails unless {@code |a − n| ≤ tol · max(1, max|n|)} element by element. */
    static void assertClose(String what, double[] analytic, double[] numeric, double tolerance) {
        double scale = 1;
        for (double n : numeric) {
            scale = Math.max(scale, Math.abs(n));
        }
        for (int j = 0; j < numeric.length; j++) {
            if (!(Math.abs(analytic[j] - numeric[j]) <= tolerance * scale)) {
                throw new AssertionError(what + " element " + j + ": backward pass gives " + analytic[j]
                        + ", finite differences give " + numeric[j]);
            }
        }
    }
}
