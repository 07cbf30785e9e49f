package io.sdtune.diffusion.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A safetensors file open for reading. The header is read and checked once by {@link #open}; each tensor is then a
 * read-only memory-mapped view of the file, copied nowhere.
 *
 * <p>The format: an 8-byte little-endian header length N, then N bytes of UTF-8 JSON, possibly padded with spaces,
 * mapping each tensor name to its {@code dtype}, {@code shape} and {@code data_offsets} [begin, end) in the data
 * area that follows, plus an optional {@code "__metadata__"} object of strings. Data is little-endian, row-major, and
 * the tensors fill the data area exactly, without gaps or overlaps.
 *
 * <p>Once open, the file may be read from several threads at once.
 */
public final class SafeTensors implements AutoCloseable {
    private static final String METADATA_KEY = "__metadata__";
    /** The reference implementation's limit; the headers of multi-GB checkpoints are a few MB. */
    private static final long MAX_HEADER_LENGTH = 100_000_000;
    /** The write order: widest dtype first, then by name, so every tensor starts at a multiple of its element size. */
    static final Comparator<Entry> LAYOUT = Comparator
            .comparing((Entry e) -> e.dtype().byteSize(), Comparator.reverseOrder())
            .thenComparing(Entry::key);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // the format forbids duplicate keys
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // only padding may follow the header object
            .build();

    private final Path file;
    private final FileChannel channel;
    private final SortedMap<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, SortedMap<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.tensors = Collections.unmodifiableSortedMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens {@code file} and checks its whole header: every entry's fields, each tensor's byte length against its
     * dtype and shape, and that the tensors tile the data area. Errors name the file and, where one is at fault,
     * the tensor.
     */
    public static SafeTensors open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            byte[] header = readHeader(file, channel);
            long dataStart = Long.BYTES + (long) header.length;
            long dataLength = channel.size() - dataStart;
            JsonNode root = parseJson(file, header);
            Map<String, String> metadata = metadata(file, root.get(METADATA_KEY));
            SortedMap<String, TensorInfo> tensors = new TreeMap<>();
            for (Map.Entry<String, JsonNode> entry : root.properties()) {
                String key = entry.getKey();
                if (!key.equals(METADATA_KEY)) {
                    tensors.put(key, tensorInfo(file, key, entry.getValue(), dataStart, dataLength));
                }
            }
            checkLayout(file, tensors.values(), dataStart, dataLength);
            return new SafeTensors(file, channel, tensors, metadata);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The tensor names, sorted (the order of the header's keys carries no meaning in the format). */
    public Set<String> keys() {
        return tensors.keySet();
    }

    /** What the header says about tensor {@code key}; fails for a name the file does not hold. */
    public TensorInfo info(String key) {
        TensorInfo info = tensors.get(key);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor '" + key + "'" + closestKeys(key));
        }
        return info;
    }

    /** The {@code "__metadata__"} strings, sorted by key; empty when the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Tensor {@code key} as a read-only view of the file's bytes; nothing is copied. The view stays valid after this
     * file is closed (a mapping lasts until its buffer is garbage-collected), so weights may be bound to sessions
     * that outlive it.
     */
    public TensorData get(String key) throws IOException {
        TensorInfo info = info(key);
        DType dtype = info.dtype().engineType().orElseThrow(() -> new IOException(file + ": tensor '" + key
                + "' has dtype " + info.dtype() + ", which the engine cannot read (it reads " + readableDTypes()
                + ")"));
        requireLittleEndianMachine(file.toString());
        if (!channel.isOpen()) {
            throw new IllegalStateException(file + " is closed");
        }
        if (info.length() > Integer.MAX_VALUE) {
            throw new IOException(file + ": tensor '" + key + "' has " + info.length()
                    + " bytes, more than one buffer can hold (" + Integer.MAX_VALUE + ")");
        }
        // One mapping per tensor rather than one for the file: a mapped buffer holds at most 2 GiB, and a float32
        // SD 1.5 UNet alone is 3.4 GB.
        ByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, info.offset(), info.length());
        return new TensorData(dtype, info.shape(), bytes.order(ByteOrder.nativeOrder()));
    }

    /** Closes the file. Tensors already returned by {@link #get} remain readable. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} as safetensors, replacing it atomically: readers see
     * the old file or the whole new one. Tensors are laid out widest dtype first, then by name, so every tensor starts
     * at a multiple of its element size; the data is streamed from the tensors' buffers.
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        requireLittleEndianMachine(file.toString());
        if (tensors.containsKey(METADATA_KEY)) {
            throw new IllegalArgumentException(file + ": '" + METADATA_KEY + "' names the metadata, not a tensor");
        }
        List<Entry> order = tensors.entrySet().stream()
                .map(t -> new Entry(t.getKey(), t.getValue().dtype(), t.getValue().shape()))
                .sorted(LAYOUT)
                .toList();
        ByteBuffer header = header(order, metadata);
        writeAtomically(file, out -> {
            writeFully(out, header);
            for (Entry entry : order) {
                writeFully(out, tensors.get(entry.key()).data().duplicate().clear());
            }
        });
    }

    /** A tensor of a file being written: what its header entry says, known before its bytes are at hand. */
    record Entry(String key, DType dtype, Shape shape) {
        long length() {
            return shape.size() * dtype.byteSize();
        }
    }

    /** Writes the bytes of a file through its channel. */
    interface Contents {
        void writeTo(FileChannel out) throws IOException;
    }

    /**
     * Writes {@code file} through {@code contents}, replacing it atomically: the bytes go to a temporary file in the
     * same directory, which is then renamed, so readers see the old file or the whole new one.
     */
    static void writeAtomically(Path file, Contents contents) throws IOException {
        // Not Files.createTempFile: its owner-only permissions would carry over to the published file.
        Path temp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                contents.writeTo(out);
                out.force(true); // the data is on disk before the new name can point to it
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE); // replaces an existing file in one step
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * The header of a file holding {@code order}'s tensors in that order: length, JSON (keys in data order) and
     * padding, spaces up to a multiple of 8 bytes, so the data area starts 8-aligned.
     */
    static ByteBuffer header(List<Entry> order, Map<String, String> metadata) throws JsonProcessingException {
        ObjectNode json = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode strings = json.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(strings::put);
        }
        long offset = 0;
        for (Entry tensor : order) {
            ObjectNode entry = json.putObject(tensor.key());
            entry.put("dtype", SafeTensorsDType.of(tensor.dtype()).name());
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(tensor.shape().dims()).forEach(shape::add);
            long end = offset + tensor.length();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] bytes = JSON.writeValueAsBytes(json);
        int padded = (bytes.length + 7) / 8 * 8;
        ByteBuffer header = ByteBuffer.allocate(Long.BYTES + padded).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(padded).put(bytes);
        while (header.hasRemaining()) {
            header.put((byte) ' ');
        }
        return header.flip();
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private static byte[] readHeader(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < Long.BYTES) {
            throw malformed(file, "the file has " + fileSize + " bytes, too few for the 8-byte header length");
        }
        InputStream in = Channels.newInputStream(channel); // not closed: that would close the channel
        long length = ByteBuffer.wrap(in.readNBytes(Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // The length is unsigned; as a long, lengths of 2^63 and more are negative.
        if (length < 0 || length > MAX_HEADER_LENGTH) {
            throw malformed(file, "header length " + Long.toUnsignedString(length) + " exceeds the limit of "
                    + MAX_HEADER_LENGTH + " bytes that safetensors readers apply");
        }
        if (length > fileSize - Long.BYTES) {
            throw malformed(file, "header length " + length + " reaches past the end of the file (" + fileSize
                    + " bytes)");
        }
        return in.readNBytes((int) length);
    }

    private static JsonNode parseJson(Path file, byte[] header) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw malformed(file, "the header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw malformed(file, "the header must be a JSON object starting with '{', found '"
                    + text.substring(0, Math.min(20, text.length())) + "'");
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (" + e.getLocation().offsetDescription() + ")";
            throw malformed(file, "the header is not valid JSON: " + e.getOriginalMessage() + where);
        }
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws IOException {
        Map<String, String> metadata = new TreeMap<>();
        if (node == null) {
            return metadata;
        }
        if (!node.isObject()) {
            throw malformed(file, METADATA_KEY + " must be an object of strings, found " + node);
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw malformed(file, METADATA_KEY + " values must be strings, found " + entry.getKey() + ": "
                        + entry.getValue());
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo tensorInfo(Path file, String key, JsonNode entry, long dataStart, long dataLength)
            throws IOException {
        if (!entry.isObject()) {
            throw malformed(file, key, "expected an object with dtype, shape and data_offsets, found " + entry);
        }
        SafeTensorsDType dtype = dtype(file, key, field(file, key, entry, "dtype"));
        Shape shape = Shape.of(naturals(file, key, entry, "shape"));
        long[] offsets = naturals(file, key, entry, "data_offsets");
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw malformed(file, key, "data_offsets must be [begin, end] with begin <= end, found "
                    + Arrays.toString(offsets));
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end > dataLength) {
            throw malformed(file, key, "data_offsets " + Arrays.toString(offsets) + " reach past the end of the data ("
                    + dataLength + " bytes); is the file truncated?");
        }
        long bits;
        try {
            bits = Math.multiplyExact(shape.size(), dtype.bits());
        } catch (ArithmeticException e) {
            throw malformed(file, key, "shape " + shape + " has more elements than a long can count");
        }
        if (bits % 8 != 0 || bits / 8 != end - begin) {
            String needed = bits % 8 == 0 ? bits / 8 + " bytes" : bits + " bits";
            throw malformed(file, key, dtype + shape.toString() + " takes " + needed + ", but data_offsets "
                    + Arrays.toString(offsets) + " hold " + (end - begin) + " bytes");
        }
        return new TensorInfo(key, dtype, shape, dataStart + begin, end - begin);
    }

    private static JsonNode field(Path file, String key, JsonNode entry, String name) throws IOException {
        JsonNode value = entry.get(name);
        if (value == null) {
            throw malformed(file, key, "no " + name + " in " + entry);
        }
        return value;
    }

    private static SafeTensorsDType dtype(Path file, String key, JsonNode node) throws IOException {
        try {
            return SafeTensorsDType.valueOf(node.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(file, key, "unknown dtype " + node + " (the format's are "
                    + Arrays.toString(SafeTensorsDType.values()) + ")");
        }
    }

    /** The array of non-negative integers {@code entry} holds under {@code name}. */
    private static long[] naturals(Path file, String key, JsonNode entry, String name) throws IOException {
        JsonNode node = field(file, key, entry, name);
        boolean valid = node.isArray() && node.valueStream()
                .allMatch(n -> n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0);
        if (!valid) {
            throw malformed(file, key, name + " must be an array of non-negative integers, found " + node);
        }
        return node.valueStream().mapToLong(JsonNode::longValue).toArray();
    }

    /** Sorted by offset, each tensor must begin where the one before it ends, and the last at the end of the data. */
    private static void checkLayout(Path file, Collection<TensorInfo> tensors, long dataStart, long dataLength)
            throws IOException {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::length));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo tensor : byOffset) {
            long begin = tensor.offset() - dataStart;
            if (begin < covered) {
                throw malformed(file, "tensors '" + previous.key() + "' and '" + tensor.key() + "' overlap: '"
                        + tensor.key() + "' begins at data offset " + begin + ", before '" + previous.key()
                        + "' ends at " + covered);
            }
            if (begin > covered) {
                throw malformed(file, gap(covered, begin));
            }
            covered = begin + tensor.length();
            previous = tensor;
        }
        if (covered != dataLength) {
            throw malformed(file, gap(covered, dataLength));
        }
    }

    private static String gap(long from, long to) {
        return "no tensor covers data bytes [" + from + ", " + to + "); the format allows no gaps";
    }

    /** Up to three names closest to {@code key} by edit distance, to point at a typo. */
    private String closestKeys(String key) {
        if (tensors.isEmpty()) {
            return " (the file holds no tensors)";
        }
        Map<String, Integer> distance = new HashMap<>();
        tensors.keySet().forEach(k -> distance.put(k, editDistance(key, k)));
        return tensors.keySet().stream()
                .sorted(Comparator.comparing(distance::get))
                .limit(3)
                .map(k -> "'" + k + "'")
                .collect(Collectors.joining(", ", " (closest: ", "; " + tensors.size() + " tensors in all)"));
    }

    /** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, 1 + Math.min(previous[j], current[j - 1]));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String readableDTypes() {
        return Arrays.stream(SafeTensorsDType.values())
                .filter(t -> t.engineType().isPresent())
                .map(SafeTensorsDType::name)
                .collect(Collectors.joining(", "));
    }

    /** Tensor bytes pass between file and buffer unconverted, so the machine must share the format's byte order. */
    static void requireLittleEndianMachine(String target) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException(target + ": safetensors data is little-endian, this machine is "
                    + ByteOrder.nativeOrder());
        }
    }

    private static IOException malformed(Path file, String problem) {
        return new IOException(file + ": " + problem);
    }

    private static IOException malformed(Path file, String key, String problem) {
        return malformed(file, "tensor '" + key + "': " + problem);
    }
}
