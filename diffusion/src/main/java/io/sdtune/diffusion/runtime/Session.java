package io.sdtune.diffusion.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.onnx.OnnxExporter;
import io.sdtune.diffusion.onnx.proto.GraphProto;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A compiled {@link Program} on ONNX Runtime. Weights are handed to ONNX Runtime as external initializers from
 * {@link SharedWeights}: the caller's direct buffers, used in place on the CPU, uploaded once per session to a GPU;
 * the buffers must stay valid while the session is open.
 */
public final class Session implements AutoCloseable {

    /** System property naming extra CUDA provider options; see {@link #cudaProviderOptions()}. */
    public static final String CUDA_PROVIDER_OPTIONS = "sdtune.cuda.provider_options";
    /** System property naming entries of the GPU's shared arena's configuration; see {@link #sharedArenaConfig()}. */
    public static final String SHARED_ARENA_CONFIG = "sdtune.cuda.arena_config";
    /** System property naming session configuration entries; see {@link #sessionConfig()}. */
    public static final String SESSION_CONFIG = "sdtune.ort.session_config";
    /**
     * System property: {@code true} turns on ONNX Runtime's memory pattern (the allocation plan it records on a
     * session's first run and replays as one block), which is off here: with an arena it held a second copy of a
     * step's activations (BENCHMARKS.md, "Memory estimate").
     */
    public static final String MEMORY_PATTERN = "sdtune.ort.memory_pattern";
    /** System property naming run configuration entries of bound runs; see {@link #runConfig()}. */
    public static final String RUN_CONFIG = "sdtune.ort.run_config";
    /**
     * System property: a file prefix under which every session of the process writes ONNX Runtime's profile (e.g.
     * a generator's, unchanged otherwise); see {@link ExecutionOptions#on}.
     */
    public static final String PROFILE = "sdtune.ort.profile";
    /**
     * System property: ONNX Runtime's log severity for every session, 0 (verbose) to 4 (fatal; 2, warnings, when
     * unset). At 1 its partitioner says which nodes it left to the CPU and why, at 0 where it placed each node.
     */
    public static final String LOG_SEVERITY = "sdtune.ort.log_severity";
    /** Numbers the profiles: ONNX Runtime names them by the second, and a step's sessions start within one. */
    private static final AtomicInteger PROFILES = new AtomicInteger();

    /** ONNX Runtime's session configuration key for using the allocators registered with the environment. */
    private static final String USE_ENV_ALLOCATORS = "session.use_env_allocators";
    /** ONNX Runtime's run configuration key naming the devices whose arenas give free chunks back after a run. */
    private static final String ARENA_SHRINKAGE = "memory.enable_memory_arena_shrinkage";
    /** ONNX Runtime's session configuration key naming graph optimizers not to run. */
    private static final String DISABLED_OPTIMIZERS = "optimization.disable_specified_optimizers";

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final OrtSession session;
    /** The weights made for this session alone (closed with it), or null when they are shared. */
    private final SharedWeights ownWeights;
    private final Program program;
    private final int modelBytes;
    private final Device device;
    /** Whether the session allocates from its device's shared arena (on CUDA, unless replayed as a CUDA graph). */
    private final boolean sharedArena;
    /** The C API's view of the session, made on first use of device tensors or bindings. */
    private OrtCApi api;
    private MemorySegment nativeHandle;
    private MemorySegment deviceMemory;
    private MemorySegment allocator;

    private Session(OrtSession session, SharedWeights ownWeights, Program program, int modelBytes,
            ExecutionOptions execution) {
        this.session = session;
        this.ownWeights = ownWeights;
        this.program = program;
        this.modelBytes = modelBytes;
        this.device = execution.device();
        this.sharedArena = !execution.cudaGraph();
    }

    /**
     * Compiles {@code program}; {@code weights} gives the data of every weight it uses, by name.
     *
     * @throws IllegalArgumentException when a weight is missing or its type or shape differs
     */
    public static Session create(Program program, Function<String, TensorData> weights, Device device) {
        return create(program, weights, ExecutionOptions.on(device));
    }

    public static Session create(Program program, Function<String, TensorData> weights, ExecutionOptions execution) {
        SharedWeights own = new SharedWeights(weights, execution.device());
        try {
            return create(program, own, execution, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * Compiles {@code program} with the weights of {@code weights}, which every session made from it shares; close
     * it after them.
     *
     * @throws IllegalArgumentException when a weight is missing or its type or shape differs
     */
    public static Session create(Program program, SharedWeights weights, ExecutionOptions execution) {
        return create(program, weights, execution, null);
    }

    private static Session create(Program program, SharedWeights weights, ExecutionOptions execution,
            SharedWeights own) {
        if (!weights.device().equals(execution.device())) {
            throw new IllegalArgumentException("weights on " + weights.device() + " for a session on "
                    + execution.device());
        }
        OnnxExporter.Exported exported = OnnxExporter.export(program);
        try (OrtSession.SessionOptions options = options(execution, !contains(exported.model().getGraph(), "ConvTranspose"))) {
            if (!exported.weights().isEmpty()) {
                List<String> names = exported.weights().stream().map(Tensor::name).toList();
                OrtCApi.get().addExternalInitializers(options, names, weights.values(exported.weights()));
            }
            byte[] model = exported.model().toByteArray();
            return new Session(ENV.createSession(model, options), own, program, model.length, execution);
        } catch (OrtException e) {
            throw AllocationFailedException.of("ONNX Runtime rejected the graph", e);
        }
    }

    /**
     * Options for a session on {@code execution}'s device; {@code channelsLast} runs a CUDA session's convolutions in
     * the channels-last layout.
     */
    private static OrtSession.SessionOptions options(ExecutionOptions execution, boolean channelsLast)
            throws OrtException {
        Map<String, String> config = sessionConfig();
        Map<String, String> cudaOptions = cudaProviderOptions();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setMemoryPatternOptimization(Boolean.getBoolean(MEMORY_PATTERN));
        // No constant folding: it turns a frozen weight's transpose (a Linear's x W^T) into an initializer of its own
        // and the backward pass's transpose of that into another, two copies of every Linear weight for the
        // session's life, where unfolded ONNX Runtime cancels the two and fuses the first into the MatMul
        // (FusedMatMul, transB) that then reads the weight itself. Values computed from constants are computed at
        // each run instead (MemoryEstimate). A session's configuration may name other optimizers.
        options.addConfigEntry(DISABLED_OPTIMIZERS, "ConstantFolding");
        for (Map.Entry<String, String> e : config.entrySet()) {
            options.addConfigEntry(e.getKey(), e.getValue());
        }
        if (execution.device().kind() == Device.Kind.CUDA) {
            // One arena per device for all sessions: a training step's gradient and update sessions, and a
            // generator's sessions of each size, reuse what the others freed instead of each keeping its own.
            // Not for a session replayed as a CUDA graph: its replays write where its capture's intermediates were,
            // chunks that a shared arena would hand to other sessions in between.
            OrtCApi.get().shareArena(execution.device());
            options.addConfigEntry(USE_ENV_ALLOCATORS, execution.cudaGraph() ? "0" : "1");
            try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(execution.device().index())) {
                // Grow the GPU arena by what is asked, not to the next power of two: a training step near the card's
                // capacity would otherwise lose up to half of it. Except a captured session's own arena, which cannot
                // grow while the graph is captured: there the slack of power-of-two regions let LoRA's float16 step
                // be captured where exact growth left a ConvTranspose's workspace without a free chunk, at no cost in
                // peak memory (H100, BENCHMARKS.md).
                cuda.add("arena_extend_strategy", execution.cudaGraph() ? "kNextPowerOfTwo" : "kSameAsRequested");
                // The limit cuts the last power-of-two growth short, which otherwise took up to 1 GiB more than the
                // runs held (ONNX Runtime's growth doubles up to regions of 1 GiB).
                if (execution.graphArenaLimit() > 0) {
                    cuda.add("gpu_mem_limit", Long.toString(execution.graphArenaLimit()));
                }
                // Convolutions in channels-last layout, which cuDNN's tensor-core kernels take without transposing:
                // a UNet step of SD 1.5 in float16 went from 17.2 to 14.6 ms on an H100. Not where the graph has a
                // ConvTranspose (a training step's dX), for which ONNX Runtime 1.29 has no channels-last CUDA kernel:
                // those nodes ran on the CPU and a DreamBooth step took 2.19 s instead of 0.68 (BENCHMARKS.md).
                cuda.add("prefer_nhwc", channelsLast ? "1" : "0");
                cuda.add("enable_cuda_graph", execution.cudaGraph() ? "1" : "0");
                for (Map.Entry<String, String> o : cudaOptions.entrySet()) {
                    cuda.add(o.getKey(), o.getValue());
                }
                options.addCUDA(cuda);
            }
        }
        if (execution.device().kind() == Device.Kind.CPU) {
            // Without the arena, which grows by powers of two and keeps what it took, a training step's peak
            // resident memory fell by 40% and it ran no slower (BENCHMARKS.md, "Memory estimate").
            options.setCPUArenaAllocator(false);
        }
        OrtLoggingLevel severity = logSeverity();
        if (severity != null) {
            options.setSessionLogLevel(severity);
        }
        if (execution.profilePrefix() != null) {
            options.enableProfiling(execution.profilePrefix() + "-" + PROFILES.incrementAndGet());
        }
        return options;
    }

    /** Whether {@code graph} has a node of {@code opType}. */
    private static boolean contains(GraphProto graph, String opType) {
        return graph.getNodeList().stream().anyMatch(n -> n.getOpType().equals(opType));
    }

    /**
     * ONNX Runtime CUDA provider options given as {@code -Dsdtune.cuda.provider_options=key=value,...}
     * (e.g. {@code cudnn_conv_algo_search=HEURISTIC,cudnn_conv_use_max_workspace=0}), applied after the
     * project's own, for tuning a card's memory against speed without a rebuild.
     */
    static Map<String, String> cudaProviderOptions() {
        return pairs(CUDA_PROVIDER_OPTIONS);
    }

    /**
     * Entries of the configuration of each GPU's shared arena ({@code OrtArenaCfg}, the keys of ONNX Runtime's
     * {@code CreateArenaCfgV2}, whole numbers), given as {@code -Dsdtune.cuda.arena_config=key=value,...}, e.g.
     * {@code max_dead_bytes_per_chunk=1048576}; they apply when the process's first session on the GPU is made.
     */
    static Map<String, String> sharedArenaConfig() {
        return pairs(SHARED_ARENA_CONFIG);
    }

    /**
     * ONNX Runtime session configuration entries given as {@code -Dsdtune.ort.session_config=key=value,...} (the
     * keys of its {@code onnxruntime_session_options_config_keys.h}, e.g.
     * {@code session.use_device_allocator_for_initializers=1}).
     */
    static Map<String, String> sessionConfig() {
        return pairs(SESSION_CONFIG);
    }

    /**
     * ONNX Runtime run configuration entries for every run through an {@link IoBinding}, given as
     * {@code -Dsdtune.ort.run_config=key=value,...} (the keys of its {@code onnxruntime_run_options_config_keys.h},
     * e.g. {@code memory.enable_memory_arena_shrinkage=gpu:0}, which gives a GPU arena's free chunks back after
     * each run), for measuring without a rebuild.
     */
    static Map<String, String> runConfig() {
        return pairs(RUN_CONFIG);
    }

    /** ONNX Runtime's log level given as {@code -Dsdtune.ort.log_severity=0..4}; null when unset. */
    static OrtLoggingLevel logSeverity() {
        String spec = System.getProperty(LOG_SEVERITY, "").strip();
        if (spec.isEmpty()) {
            return null;
        }
        if (!spec.matches("[0-4]")) {
            throw new IllegalArgumentException(LOG_SEVERITY + ": expected 0 (verbose), 1 (info), 2 (warning), "
                    + "3 (error) or 4 (fatal), got '" + spec + "'");
        }
        return OrtLoggingLevel.mapFromInt(Integer.parseInt(spec));
    }

    private static Map<String, String> pairs(String property) {
        String spec = System.getProperty(property, "").strip();
        Map<String, String> options = new LinkedHashMap<>();
        if (spec.isEmpty()) {
            return options;
        }
        for (String pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException(property + ": expected key=value pairs separated by "
                        + "commas, got '" + pair.strip() + "' in '" + spec + "'");
            }
            options.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return options;
    }

    public Program program() {
        return program;
    }

    public Device device() {
        return device;
    }

    /** Whether ONNX Runtime captures this session's first run as a CUDA graph, to replay it with one launch after. */
    public boolean capturesCudaGraph() {
        return !sharedArena;
    }

    /** A tensor of this session's device (from the allocator its runs use), contents undefined. */
    public DeviceTensor allocate(DType dtype, Shape shape) {
        return new DeviceTensor(api(), device, dtype, shape, api().createTensor(allocator, dtype, shape));
    }

    /** A copy of {@code host} on this session's device. */
    public DeviceTensor upload(TensorData host) {
        DeviceTensor t = allocate(host.dtype(), host.shape());
        try {
            t.copyFrom(host);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** A binding for runs that read and leave tensors on the device; close it before the session. */
    public IoBinding bind() {
        return new IoBinding(this, api(), nativeHandle, deviceMemory, runConfig());
    }

    /**
     * A binding whose runs, on a GPU, give the arena's free chunks back to the device as they end
     * ({@code memory.enable_memory_arena_shrinkage}): for programs run one after another that each peak in another
     * place, as a training step's gradient and update runs, which a kept arena would hold at the sum of their
     * fragments. Like {@link #bind()} on the CPU, whose sessions have no arena.
     */
    public IoBinding bindReleasingFreeMemory() {
        Map<String, String> config = new LinkedHashMap<>();
        if (device.kind() == Device.Kind.CUDA) {
            config.put(ARENA_SHRINKAGE, "gpu:" + device.index());
        }
        config.putAll(runConfig());
        return new IoBinding(this, api(), nativeHandle, deviceMemory, config);
    }

    private synchronized OrtCApi api() {
        if (api == null) {
            OrtCApi c = OrtCApi.get();
            nativeHandle = OrtCApi.handle(session);
            deviceMemory = c.memoryInfo(device);
            allocator = c.createAllocator(nativeHandle, deviceMemory, device, sharedArena);
            api = c;
        }
        return api;
    }

    /** Size of the serialised model handed to ONNX Runtime: graph structure only, no weights. */
    public int modelBytes() {
        return modelBytes;
    }

    /**
     * Runs once: every program input must be fed; returns every output in new host buffers.
     *
     * @throws AllocationFailedException when ONNX Runtime cannot allocate what the run needs
     */
    public Map<String, TensorData> run(Map<String, TensorData> feeds) {
        Map<String, TensorData> outputs = new LinkedHashMap<>();
        program.outputs().forEach((name, t) -> outputs.put(name, TensorData.allocate(t.dtype(), t.shape())));
        run(feeds, outputs);
        return outputs;
    }

    /**
     * Runs once, writing every output into the caller's buffers ({@code outputs}, by output name), so
     * that a loop that runs a program many times allocates and copies nothing on the host.
     */
    public void run(Map<String, TensorData> feeds, Map<String, TensorData> outputs) {
        List<OnnxTensor> created = new ArrayList<>();
        try {
            Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> in : program.inputs().entrySet()) {
                OnnxTensor o = wrap(checked("input", in.getValue(), feeds.get(in.getKey())));
                created.add(o);
                inputs.put(in.getKey(), o);
            }
            Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> out : program.outputs().entrySet()) {
                OnnxTensor o = wrap(checked("output", out.getValue(), outputs.get(out.getKey())));
                created.add(o);
                pinned.put(out.getKey(), o);
            }
            session.run(inputs, pinned).close();
        } catch (OrtException e) {
            throw AllocationFailedException.of("ONNX Runtime run failed", e);
        } finally {
            created.forEach(OnnxTensor::close);
        }
    }

    static TensorData checked(String role, Tensor expected, TensorData data) {
        if (data == null) {
            throw new IllegalArgumentException("no data for " + role + " " + expected);
        }
        if (data.dtype() != expected.dtype() || !data.shape().equals(expected.shape())) {
            throw new IllegalArgumentException(role + " " + expected.name() + " is " + data.dtype() + data.shape()
                    + " but the graph expects " + expected.dtype() + expected.shape());
        }
        return data;
    }

    private static OnnxTensor wrap(TensorData data) throws OrtException {
        return OnnxTensor.createTensor(ENV, data.data().duplicate().rewind(), data.shape().dims(), javaType(data.dtype()));
    }

    private static OnnxJavaType javaType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case UINT8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    @Override
    public void close() {
        try {
            if (api != null) {
                if (capturesCudaGraph()) {
                    api.recordCapturedArena(device, api.allocatorStats(allocator));
                }
                api.releaseAllocator(allocator);
                api.releaseMemoryInfo(deviceMemory);
            }
            session.close();
        } catch (OrtException e) {
            throw new RuntimeException(e);
        } finally {
            if (ownWeights != null) {
                ownWeights.close();
            }
        }
    }
}
