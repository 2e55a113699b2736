package io.loginstate.objectstore;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Walks a {@link DirectoryObjectStore}'s files and collects the objects whose keys start with a
 * prefix; skips the store's own files (names starting with '.', which no key segment has) and the
 * directories that cannot hold a match.
 */
final class PrefixCollector extends SimpleFileVisitor<Path> {

    private final Path root;
    private final String prefix;
    private final List<ObjectInfo> found;

    PrefixCollector(Path root, String prefix, List<ObjectInfo> found) {
        this.root = root;
        this.prefix = prefix;
        this.found = found;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
        if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
        }
        String directoryKey = keyOf(dir) + "/";
        boolean mayHoldMatches = directoryKey.startsWith(prefix) || prefix.startsWith(directoryKey);
        return isStoreFile(dir) || !mayHoldMatches ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile() && !isStoreFile(file)) {
            String key = keyOf(file);
            if (key.startsWith(prefix)) {
                found.add(new ObjectInfo(
                        key, attributes.size(), attributes.lastModifiedTime().toInstant()));
            }
        }
        return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        // Deleted while walking (a delete also prunes emptied directories): not listed.
        if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
        }
        throw e;
    }

    private static boolean isStoreFile(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private String keyOf(Path path) {
        StringBuilder key = new StringBuilder();
        for (Path segment : root.relativize(path)) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(segment);
        }
        return key.toString();
    }
}
