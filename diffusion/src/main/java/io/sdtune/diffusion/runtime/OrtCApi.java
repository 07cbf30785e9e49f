package io.sdtune.diffusion.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * ONNX Runtime's C API ({@code OrtApi}), reached through the Foreign Function & Memory API, for what its Java
 * classes lack: tensors in device memory ({@code OrtValue}s made by a session's allocator) and I/O binding, so
 * that a value can stay on the GPU from one run to the next. Sessions are still created by the Java classes; their
 * native handles, and the table of functions, are read from them.
 *
 * <p>{@code OrtApi} is a table of function pointers that ONNX Runtime only ever appends to, so each function's
 * position is fixed from the version that added it (the header's order: {@code onnxruntime_c_api.h}); every one
 * used here is in API version 23 (ONNX Runtime 1.23) and after.
 */
final class OrtCApi {
    // Positions in OrtApi.
    private static final int GET_ERROR_MESSAGE = 2;
    private static final int CREATE_RUN_OPTIONS = 39;
    private static final int RELEASE_RUN_OPTIONS = 97;
    private static final int CREATE_TENSOR_AS_ORT_VALUE = 48;
    private static final int CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE = 49;
    private static final int GET_TENSOR_MUTABLE_DATA = 51;
    private static final int CREATE_MEMORY_INFO = 68;
    private static final int CREATE_CPU_MEMORY_INFO = 69;
    private static final int ALLOCATOR_FREE = 76;
    private static final int GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78;
    private static final int RELEASE_STATUS = 93;
    private static final int RELEASE_MEMORY_INFO = 94;
    private static final int RELEASE_VALUE = 96;
    private static final int CREATE_ALLOCATOR = 131;
    private static final int RELEASE_ALLOCATOR = 132;
    private static final int RUN_WITH_BINDING = 133;
    private static final int CREATE_IO_BINDING = 134;
    private static final int RELEASE_IO_BINDING = 135;
    private static final int BIND_INPUT = 136;
    private static final int BIND_OUTPUT = 137;
    private static final int BIND_OUTPUT_TO_DEVICE = 138;
    private static final int GET_BOUND_OUTPUT_VALUES = 140;
    private static final int CLEAR_BOUND_INPUTS = 141;
    private static final int CLEAR_BOUND_OUTPUTS = 142;
    private static final int RELEASE_ARENA_CFG = 157;
    private static final int CREATE_ARENA_CFG_V2 = 164;
    private static final int ADD_RUN_CONFIG_ENTRY = 165;
    private static final int SYNCHRONIZE_BOUND_OUTPUTS = 203;
    private static final int ADD_EXTERNAL_INITIALIZERS = 210;
    private static final int CREATE_AND_REGISTER_ALLOCATOR_V2 = 259;
    private static final int GET_KEY_VALUE_PAIRS = 298;
    private static final int RELEASE_KEY_VALUE_PAIRS = 300;
    private static final int ALLOCATOR_GET_STATS = 319;
    private static final int LAST_USED = ALLOCATOR_GET_STATS;

    // Enum values of the header.
    private static final int DEVICE_ALLOCATOR = 0;
    private static final int ARENA_ALLOCATOR = 1;
    private static final int MEM_TYPE_DEFAULT = 0;

    /** {@code cudaMemcpyDefault}: the direction follows from the pointers (unified addressing). */
    private static final int CUDA_MEMCPY_DEFAULT = 4;
    private static final int CUDA_ERROR_MEMORY_ALLOCATION = 2;
    /** The CUDA runtime ONNX Runtime's 1.29 GPU build links (CUDA 12); already loaded by its CUDA provider. */
    private static final String CUDA_RUNTIME = "libcudart.so.12";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Field SESSION_HANDLE = handleField(OrtSession.class);
    private static final Field ENVIRONMENT_HANDLE = handleField(OrtEnvironment.class);
    private static final Field OPTIONS_HANDLE = handleField(OrtSession.SessionOptions.class);
    private static volatile OrtCApi instance;

    private final MemorySegment table;
    private final MethodHandle getErrorMessage;
    private final MethodHandle releaseStatus;
    private final MethodHandle createTensorAsOrtValue;
    private final MethodHandle createTensorWithDataAsOrtValue;
    private final MethodHandle getTensorMutableData;
    private final MethodHandle createMemoryInfo;
    private final MethodHandle createCpuMemoryInfo;
    private final MethodHandle allocatorFree;
    private final MethodHandle getAllocatorWithDefaultOptions;
    private final MethodHandle releaseMemoryInfo;
    private final MethodHandle releaseValue;
    private final MethodHandle createAllocator;
    private final MethodHandle releaseAllocator;
    private final MethodHandle runWithBinding;
    private final MethodHandle createIoBinding;
    private final MethodHandle releaseIoBinding;
    private final MethodHandle bindInput;
    private final MethodHandle bindOutput;
    private final MethodHandle bindOutputToDevice;
    private final MethodHandle getBoundOutputValues;
    private final MethodHandle clearBoundInputs;
    private final MethodHandle clearBoundOutputs;
    private final MethodHandle synchronizeBoundOutputs;
    private final MethodHandle createArenaCfgV2;
    private final MethodHandle releaseArenaCfg;
    private final MethodHandle createAndRegisterAllocatorV2;
    private final MethodHandle addExternalInitializers;
    private final MethodHandle createRunOptions;
    private final MethodHandle releaseRunOptions;
    private final MethodHandle addRunConfigEntry;
    private final MethodHandle allocatorGetStats;
    private final MethodHandle getKeyValuePairs;
    private final MethodHandle releaseKeyValuePairs;
    /** CUDA devices whose arena is registered with the environment. */
    private final Set<Integer> sharedArenas = new HashSet<>();
    /** Per CUDA device, an allocator over its shared arena, kept for the process's life (see {@link #arenaStats}). */
    private final Map<Integer, MemorySegment> arenaAllocators = new HashMap<>();
    /** Per CUDA device, the statistics of the largest arena a closed captured session had (see {@link #capturedArenaStats}). */
    private final Map<Integer, Map<String, Long>> capturedArenas = new HashMap<>();
    private final MemorySegment cpuMemoryInfo;
    private final MemorySegment cpuAllocator;
    private CudaRuntime cuda;

    private OrtCApi(MemorySegment table) {
        this.table = table;
        getErrorMessage = function(GET_ERROR_MESSAGE, FunctionDescriptor.of(ADDRESS, ADDRESS));
        releaseStatus = function(RELEASE_STATUS, FunctionDescriptor.ofVoid(ADDRESS));
        createTensorAsOrtValue = status(CREATE_TENSOR_AS_ORT_VALUE, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        createTensorWithDataAsOrtValue = status(CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE, ADDRESS, ADDRESS, JAVA_LONG,
                ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        getTensorMutableData = status(GET_TENSOR_MUTABLE_DATA, ADDRESS, ADDRESS);
        createMemoryInfo = status(CREATE_MEMORY_INFO, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        createCpuMemoryInfo = status(CREATE_CPU_MEMORY_INFO, JAVA_INT, JAVA_INT, ADDRESS);
        allocatorFree = status(ALLOCATOR_FREE, ADDRESS, ADDRESS);
        getAllocatorWithDefaultOptions = status(GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, ADDRESS);
        releaseMemoryInfo = function(RELEASE_MEMORY_INFO, FunctionDescriptor.ofVoid(ADDRESS));
        releaseValue = function(RELEASE_VALUE, FunctionDescriptor.ofVoid(ADDRESS));
        createAllocator = status(CREATE_ALLOCATOR, ADDRESS, ADDRESS, ADDRESS);
        releaseAllocator = function(RELEASE_ALLOCATOR, FunctionDescriptor.ofVoid(ADDRESS));
        runWithBinding = status(RUN_WITH_BINDING, ADDRESS, ADDRESS, ADDRESS);
        createIoBinding = status(CREATE_IO_BINDING, ADDRESS, ADDRESS);
        releaseIoBinding = function(RELEASE_IO_BINDING, FunctionDescriptor.ofVoid(ADDRESS));
        bindInput = status(BIND_INPUT, ADDRESS, ADDRESS, ADDRESS);
        bindOutput = status(BIND_OUTPUT, ADDRESS, ADDRESS, ADDRESS);
        bindOutputToDevice = status(BIND_OUTPUT_TO_DEVICE, ADDRESS, ADDRESS, ADDRESS);
        getBoundOutputValues = status(GET_BOUND_OUTPUT_VALUES, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        clearBoundInputs = function(CLEAR_BOUND_INPUTS, FunctionDescriptor.ofVoid(ADDRESS));
        clearBoundOutputs = function(CLEAR_BOUND_OUTPUTS, FunctionDescriptor.ofVoid(ADDRESS));
        synchronizeBoundOutputs = status(SYNCHRONIZE_BOUND_OUTPUTS, ADDRESS);
        createArenaCfgV2 = status(CREATE_ARENA_CFG_V2, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
        releaseArenaCfg = function(RELEASE_ARENA_CFG, FunctionDescriptor.ofVoid(ADDRESS));
        createAndRegisterAllocatorV2 = status(CREATE_AND_REGISTER_ALLOCATOR_V2, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS, JAVA_LONG);
        addExternalInitializers = status(ADD_EXTERNAL_INITIALIZERS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG);
        createRunOptions = status(CREATE_RUN_OPTIONS, ADDRESS);
        releaseRunOptions = function(RELEASE_RUN_OPTIONS, FunctionDescriptor.ofVoid(ADDRESS));
        addRunConfigEntry = status(ADD_RUN_CONFIG_ENTRY, ADDRESS, ADDRESS, ADDRESS);
        allocatorGetStats = status(ALLOCATOR_GET_STATS, ADDRESS, ADDRESS);
        getKeyValuePairs = function(GET_KEY_VALUE_PAIRS, FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        releaseKeyValuePairs = function(RELEASE_KEY_VALUE_PAIRS, FunctionDescriptor.ofVoid(ADDRESS));
        cpuMemoryInfo = out(o -> call(createCpuMemoryInfo, DEVICE_ALLOCATOR, MEM_TYPE_DEFAULT, o));
        cpuAllocator = out(o -> call(getAllocatorWithDefaultOptions, o));
    }

    /** The C API of the ONNX Runtime library the Java classes loaded. */
    static OrtCApi get() {
        OrtCApi api = instance;
        if (api == null) {
            synchronized (OrtCApi.class) {
                if (instance == null) {
                    instance = load();
                }
                api = instance;
            }
        }
        return api;
    }

    /**
     * The table ONNX Runtime's Java classes use ({@code OnnxRuntime.ortApiHandle}, from the library those classes
     * loaded): a process can hold two copies of the library (one per class loader that loaded the classes, as in
     * Quarkus tests), and a session's values must come from its own.
     */
    private static OrtCApi load() {
        OrtEnvironment.getEnvironment(); // loads the native library
        try {
            Class<?> runtime = Class.forName("ai.onnxruntime.OnnxRuntime", true, OrtSession.class.getClassLoader());
            Field handle = runtime.getDeclaredField("ortApiHandle");
            handle.setAccessible(true);
            long table = handle.getLong(null);
            if (table == 0) {
                throw new IllegalStateException("ONNX Runtime's Java classes hold no OrtApi table");
            }
            long used = (LAST_USED + 1) * ADDRESS.byteSize();
            return new OrtCApi(MemorySegment.ofAddress(table).reinterpret(used));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this ONNX Runtime's Java classes keep no OrtApi table", e);
        }
    }

    private MethodHandle function(int index, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(table.getAtIndex(ADDRESS, index), descriptor);
    }

    /** A function returning {@code OrtStatus*}. */
    private MethodHandle status(int index, MemoryLayout... arguments) {
        return function(index, FunctionDescriptor.of(ADDRESS, arguments));
    }

    /** Calls a status-returning function; a non-null status becomes an exception with ONNX Runtime's message. */
    private void call(MethodHandle function, Object... arguments) {
        MemorySegment status;
        try {
            status = (MemorySegment) function.invokeWithArguments(arguments);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        if (status.address() != 0) {
            String message;
            try {
                message = string((MemorySegment) getErrorMessage.invokeExact(status));
                releaseStatus.invokeExact(status);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            throw AllocationFailedException.of("ONNX Runtime", message, null);
        }
    }

    private static void callVoid(MethodHandle function, MemorySegment argument) {
        try {
            function.invokeExact(argument);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Calls {@code f} with a pointer-sized out-parameter and returns what it wrote there. */
    private static MemorySegment out(Consumer<MemorySegment> f) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            f.accept(slot);
            return slot.get(ADDRESS, 0);
        }
    }

    /** Reads the {@code long nativeHandle} that ONNX Runtime's Java classes keep their C objects in. */
    static MemorySegment handle(OrtSession session) {
        return handle(SESSION_HANDLE, session);
    }

    private static MemorySegment handle(Field field, Object owner) {
        try {
            return MemorySegment.ofAddress(field.getLong(owner));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field handleField(Class<?> owner) {
        try {
            Field f = owner.getDeclaredField("nativeHandle");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("this ONNX Runtime's " + owner.getSimpleName() + " keeps no nativeHandle", e);
        }
    }

    /**
     * Registers one arena for a CUDA device with the environment (once), for every session that asks for the
     * environment's allocators: what one session frees, another reuses. It grows by what is asked
     * ({@code kSameAsRequested}), as {@link Session} has a plain session's own arena grow; {@link
     * Session#sharedArenaConfig} may add to its configuration.
     */
    synchronized void shareArena(Device device) {
        if (device.kind() != Device.Kind.CUDA || sharedArenas.contains(device.index())) {
            return;
        }
        MemorySegment info = memoryInfo(device);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Long> entries = new LinkedHashMap<>();
            entries.put("arena_extend_strategy", 1L);
            Session.sharedArenaConfig().forEach((key, value) -> entries.put(key, wholeNumber(key, value)));
            MemorySegment arenaKeys = arena.allocate(ADDRESS, entries.size());
            MemorySegment arenaValues = arena.allocate(JAVA_LONG, entries.size());
            int i = 0;
            for (Map.Entry<String, Long> e : entries.entrySet()) {
                arenaKeys.setAtIndex(ADDRESS, i, arena.allocateFrom(e.getKey()));
                arenaValues.setAtIndex(JAVA_LONG, i++, e.getValue());
            }
            MemorySegment config = out(o -> call(createArenaCfgV2, arenaKeys, arenaValues, (long) entries.size(), o));
            try {
                MemorySegment keys = arena.allocateFrom(ADDRESS, arena.allocateFrom("device_id"));
                MemorySegment values = arena.allocateFrom(ADDRESS, arena.allocateFrom(Integer.toString(device.index())));
                call(createAndRegisterAllocatorV2, handle(ENVIRONMENT_HANDLE, OrtEnvironment.getEnvironment()),
                        arena.allocateFrom("CUDAExecutionProvider"), info, config, keys, values, 1L);
            } finally {
                callVoid(releaseArenaCfg, config);
            }
        } finally {
            releaseMemoryInfo(info);
        }
        sharedArenas.add(device.index());
    }

    private static long wholeNumber(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Session.SHARED_ARENA_CONFIG + ": " + key + " takes a whole number, got '"
                    + value + "'");
        }
    }

    /**
     * The statistics of the arena registered for {@code device} ({@link #shareArena}), as ONNX Runtime's BFC arena
     * keeps them (bytes and counts: {@code InUse}, {@code MaxInUse}, {@code TotalAllocated}, {@code NumAllocs},
     * {@code NumArenaExtensions}, ...); empty where no session has allocated there through this class (the CPU,
     * whose sessions have no arena, or a GPU not used yet).
     */
    synchronized Map<String, Long> arenaStats(Device device) {
        MemorySegment allocator = arenaAllocators.get(device.index());
        if (allocator == null || device.kind() != Device.Kind.CUDA) {
            return Map.of();
        }
        return allocatorStats(allocator);
    }

    /**
     * The statistics of the largest arena (by {@code TotalAllocated}) that a session replayed as a CUDA graph held on
     * {@code device}, as it stood when the session closed: such a session allocates from an arena of its own, which
     * {@link #arenaStats} does not see. Empty when none has closed there.
     */
    synchronized Map<String, Long> capturedArenaStats(Device device) {
        return capturedArenas.getOrDefault(device.index(), Map.of());
    }

    /** Keeps {@code stats}, a closing captured session's arena's, where they are the largest yet on {@code device}. */
    synchronized void recordCapturedArena(Device device, Map<String, Long> stats) {
        capturedArenas.merge(device.index(), stats,
                (kept, next) -> next.getOrDefault("TotalAllocated", 0L) > kept.getOrDefault("TotalAllocated", 0L)
                        ? next : kept);
    }

    /** The statistics ONNX Runtime keeps of {@code allocator}: a BFC arena's, by their names; empty for others. */
    Map<String, Long> allocatorStats(MemorySegment allocator) {
        MemorySegment pairs = out(o -> call(allocatorGetStats, allocator, o));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment keys = arena.allocate(ADDRESS);
            MemorySegment values = arena.allocate(ADDRESS);
            MemorySegment count = arena.allocate(JAVA_LONG);
            getKeyValuePairs.invokeExact(pairs, keys, values, count);
            long n = count.get(JAVA_LONG, 0);
            MemorySegment keyArray = keys.get(ADDRESS, 0).reinterpret(n * ADDRESS.byteSize());
            MemorySegment valueArray = values.get(ADDRESS, 0).reinterpret(n * ADDRESS.byteSize());
            Map<String, Long> stats = new TreeMap<>();
            for (long i = 0; i < n; i++) {
                stats.put(string(keyArray.getAtIndex(ADDRESS, i)), Long.parseLong(string(valueArray.getAtIndex(ADDRESS, i))));
            }
            return stats;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        } finally {
            callVoid(releaseKeyValuePairs, pairs);
        }
    }

    private static String string(MemorySegment text) {
        return text.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Memory of a device for the session's allocations: its arena on CUDA, the CPU's otherwise. */
    MemorySegment memoryInfo(Device device) {
        if (device.kind() == Device.Kind.CPU) {
            return cpuMemoryInfo;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom("Cuda");
            return out(o -> call(createMemoryInfo, name, ARENA_ALLOCATOR, device.index(), MEM_TYPE_DEFAULT, o));
        }
    }

    void releaseMemoryInfo(MemorySegment info) {
        if (!info.equals(cpuMemoryInfo)) {
            callVoid(releaseMemoryInfo, info);
        }
    }

    /**
     * The session's allocator for {@code memoryInfo}, memory of {@code device}: on CUDA its arena, the device's shared
     * one where {@code sharedArena}, of which the first such call keeps an allocator of its own for
     * {@link #arenaStats} (ONNX Runtime's {@code GetSharedAllocator} does not find arenas registered by
     * {@code CreateAndRegisterAllocatorV2}).
     */
    MemorySegment createAllocator(MemorySegment session, MemorySegment memoryInfo, Device device,
            boolean sharedArena) {
        if (device.kind() == Device.Kind.CUDA && sharedArena) {
            synchronized (this) {
                if (!arenaAllocators.containsKey(device.index())) {
                    arenaAllocators.put(device.index(), out(o -> call(createAllocator, session, memoryInfo, o)));
                }
            }
        }
        return out(o -> call(createAllocator, session, memoryInfo, o));
    }

    void releaseAllocator(MemorySegment allocator) {
        callVoid(releaseAllocator, allocator);
    }

    /** A new tensor of {@code allocator}'s device, contents undefined. */
    MemorySegment createTensor(MemorySegment allocator, DType dtype, Shape shape) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dims = arena.allocateFrom(JAVA_LONG, shape.dims());
            return out(o -> call(createTensorAsOrtValue, allocator, dims, (long) shape.rank(), elementType(dtype), o));
        }
    }

    /** A tensor over host memory the caller keeps alive while it is in use. */
    MemorySegment wrapHost(MemorySegment data, DType dtype, Shape shape) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dims = arena.allocateFrom(JAVA_LONG, shape.dims());
            return out(o -> call(createTensorWithDataAsOrtValue, cpuMemoryInfo, data, data.byteSize(), dims,
                    (long) shape.rank(), elementType(dtype), o));
        }
    }

    /**
     * A tensor over memory of {@code device} (host memory on the CPU) that the caller keeps alive while it is in use.
     */
    MemorySegment wrap(Device device, MemorySegment data, DType dtype, Shape shape) {
        if (device.kind() == Device.Kind.CPU) {
            return wrapHost(data, dtype, shape);
        }
        MemorySegment info = memoryInfo(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dims = arena.allocateFrom(JAVA_LONG, shape.dims());
            return out(o -> call(createTensorWithDataAsOrtValue, info, data, data.byteSize(), dims,
                    (long) shape.rank(), elementType(dtype), o));
        } finally {
            releaseMemoryInfo(info);
        }
    }

    /**
     * Hands {@code values} (by {@code names}, over host memory) to sessions made with {@code options} as the graph's
     * external initializers: ONNX Runtime uses them in place on the CPU and copies them to a GPU.
     */
    void addExternalInitializers(OrtSession.SessionOptions options, List<String> names, List<MemorySegment> values) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nameArray = arena.allocate(ADDRESS, names.size());
            MemorySegment valueArray = arena.allocate(ADDRESS, values.size());
            for (int i = 0; i < names.size(); i++) {
                nameArray.setAtIndex(ADDRESS, i, arena.allocateFrom(names.get(i)));
                valueArray.setAtIndex(ADDRESS, i, values.get(i));
            }
            call(addExternalInitializers, handle(OPTIONS_HANDLE, options), nameArray, valueArray, (long) names.size());
        }
    }

    /** {@code bytes} of device memory (for the CPU, a caller uses host buffers instead); see {@link #free}. */
    MemorySegment malloc(Device device, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            cudaCheck((int) cuda().malloc().invokeExact(slot, bytes), "allocating " + bytes + " bytes on " + device);
            return slot.get(ADDRESS, 0).reinterpret(bytes);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    void free(MemorySegment deviceMemory) {
        try {
            cudaCheck((int) cuda().free().invokeExact(deviceMemory), "freeing device memory");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static void cudaCheck(int error, String what) {
        if (error != 0) {
            throw AllocationFailedException.of("CUDA", what + " failed: "
                    + (error == CUDA_ERROR_MEMORY_ALLOCATION ? "out of memory" : "CUDA error " + error), null);
        }
    }

    /** A tensor's data pointer (device memory for a device tensor), {@code bytes} long. */
    MemorySegment data(MemorySegment value, long bytes) {
        return out(o -> call(getTensorMutableData, value, o)).reinterpret(bytes);
    }

    void releaseValue(MemorySegment value) {
        callVoid(releaseValue, value);
    }

    MemorySegment createIoBinding(MemorySegment session) {
        return out(o -> call(createIoBinding, session, o));
    }

    void releaseIoBinding(MemorySegment binding) {
        callVoid(releaseIoBinding, binding);
    }

    void bindInput(MemorySegment binding, String name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            call(bindInput, binding, arena.allocateFrom(name), value);
        }
    }

    void bindOutput(MemorySegment binding, String name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            call(bindOutput, binding, arena.allocateFrom(name), value);
        }
    }

    void bindOutputToDevice(MemorySegment binding, String name, MemorySegment memoryInfo) {
        try (Arena arena = Arena.ofConfined()) {
            call(bindOutputToDevice, binding, arena.allocateFrom(name), memoryInfo);
        }
    }

    void clearBindings(MemorySegment binding) {
        callVoid(clearBoundInputs, binding);
        callVoid(clearBoundOutputs, binding);
    }

    /**
     * Run options with {@code config} entries (the keys of {@code onnxruntime_run_options_config_keys.h}), or
     * {@code NULL} for none; see {@link #releaseRunOptions}.
     */
    MemorySegment createRunOptions(Map<String, String> config) {
        if (config.isEmpty()) {
            return MemorySegment.NULL;
        }
        MemorySegment options = out(o -> call(createRunOptions, o));
        try (Arena arena = Arena.ofConfined()) {
            config.forEach((key, value) -> call(addRunConfigEntry, options, arena.allocateFrom(key),
                    arena.allocateFrom(value)));
        } catch (RuntimeException e) {
            callVoid(releaseRunOptions, options);
            throw e;
        }
        return options;
    }

    void releaseRunOptions(MemorySegment options) {
        if (!options.equals(MemorySegment.NULL)) {
            callVoid(releaseRunOptions, options);
        }
    }

    /** Runs the session on the binding with {@code runOptions} (may be {@code NULL}) and waits for its outputs. */
    void run(MemorySegment session, MemorySegment runOptions, MemorySegment binding) {
        call(runWithBinding, session, runOptions, binding);
        call(synchronizeBoundOutputs, binding);
    }

    /** The binding's output values in the order they were bound; the caller releases each. */
    MemorySegment[] boundOutputs(MemorySegment binding) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment array = arena.allocate(ADDRESS);
            MemorySegment count = arena.allocate(JAVA_LONG);
            call(getBoundOutputValues, binding, cpuAllocator, array, count);
            long n = count.get(JAVA_LONG, 0);
            MemorySegment values = array.get(ADDRESS, 0);
            if (n == 0) {
                return new MemorySegment[0];
            }
            MemorySegment[] result = new MemorySegment[Math.toIntExact(n)];
            MemorySegment read = values.reinterpret(n * ADDRESS.byteSize());
            for (int i = 0; i < n; i++) {
                result[i] = read.getAtIndex(ADDRESS, i);
            }
            call(allocatorFree, cpuAllocator, values);
            return result;
        }
    }

    /**
     * Copies {@code bytes} between two tensors' data on {@code device} (host memory on either side). On CUDA the
     * copy is complete when this returns: a copy from pageable host memory may otherwise still be in flight when
     * ONNX Runtime's own stream reads the destination.
     */
    void copy(Device device, MemorySegment from, MemorySegment to, long bytes) {
        if (device.kind() == Device.Kind.CPU) {
            MemorySegment.copy(from, 0, to, 0, bytes);
            return;
        }
        try {
            String what = "copying " + bytes + " bytes on " + device;
            cudaCheck((int) cuda().memcpy().invokeExact(to, from, bytes, CUDA_MEMCPY_DEFAULT), what);
            cudaCheck((int) cuda().synchronize().invokeExact(), what);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private record CudaRuntime(MethodHandle memcpy, MethodHandle synchronize, MethodHandle malloc, MethodHandle free) {
    }

    private synchronized CudaRuntime cuda() {
        if (cuda == null) {
            SymbolLookup library = SymbolLookup.libraryLookup(CUDA_RUNTIME, Arena.global());
            cuda = new CudaRuntime(
                    LINKER.downcallHandle(library.find("cudaMemcpy").orElseThrow(),
                            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT)),
                    LINKER.downcallHandle(library.find("cudaDeviceSynchronize").orElseThrow(),
                            FunctionDescriptor.of(JAVA_INT)),
                    LINKER.downcallHandle(library.find("cudaMalloc").orElseThrow(),
                            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG)),
                    LINKER.downcallHandle(library.find("cudaFree").orElseThrow(),
                            FunctionDescriptor.of(JAVA_INT, ADDRESS)));
        }
        return cuda;
    }

    /** ONNXTensorElementDataType. */
    private static int elementType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> 1;
            case UINT8 -> 2;
            case INT32 -> 6;
            case INT64 -> 7;
            case BOOL -> 9;
            case FLOAT16 -> 10;
            case FLOAT64 -> 11;
            case BFLOAT16 -> 16;
        };
    }
}
