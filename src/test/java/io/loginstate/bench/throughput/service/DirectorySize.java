package io.loginstate.bench.throughput.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/** Bytes of the files under a directory, each file counted once however many hard links it has. */
final class DirectorySize {

    private DirectorySize() {}

    /**
     * Local checkpoints are hard links to the live state's files: counting links would count the
     * state twice, so files are told apart by their file key (device and inode).
     */
    static long of(Path root) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        Set<Object> seen = new HashSet<>();
        long total = 0;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                Object key = attributes.fileKey() == null ? path : attributes.fileKey();
                if (attributes.isRegularFile() && seen.add(key)) {
                    total += attributes.size();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }
}
