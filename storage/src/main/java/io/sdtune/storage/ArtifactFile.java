package io.sdtune.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A file to publish: its path inside the artifact, its size, and where its bytes come from. */
public record ArtifactFile(String path, long size, Content content) {
    /** Opens the bytes when the upload starts; the publisher closes the stream. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    public ArtifactFile {
        ObjectKeys.relativePath(path);
    }

    public static ArtifactFile of(String path, byte[] bytes) {
        return new ArtifactFile(path, bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    /** Every regular file under {@code folder}, by its '/'-separated path relative to it, in path order. */
    public static List<ArtifactFile> allIn(Path folder) throws IOException {
        List<Path> regularFiles;
        try (Stream<Path> walk = Files.walk(folder)) {
            regularFiles = walk.filter(Files::isRegularFile).sorted().toList();
        }
        List<ArtifactFile> files = new ArrayList<>();
        for (Path file : regularFiles) {
            String path = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            files.add(new ArtifactFile(path, Files.size(file), () -> Files.newInputStream(file)));
        }
        return files;
    }
}
