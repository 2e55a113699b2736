package io.loginstate.objectstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Objects as files under a local directory, one file per key ({@code a/b/c} is {@code root/a/b/c}).
 * The embedded default; also what tests use where S3 is not the point.
 *
 * <p><b>What it guarantees.</b> Every write goes to a file in {@code root/.staging} first, is
 * flushed to disk, and is then published with an atomic rename: readers (who take no lock) see an
 * object's old content or its new content, never a partial file, and a crash leaves no partial
 * object. Publishing, deleting, and the check-then-publish of the conditional writes run under the
 * store's lock: one lock per directory for every instance in this JVM, plus an OS file lock on
 * {@code root/.lock} for other processes on the same host. So {@link #putIfAbsent} and
 * {@link #replaceIfMatch} are atomic against every other write through this class, from any thread
 * or process of the host. Waiting for the lock is bounded by the lock timeout.
 *
 * <p><b>What it does not.</b> A directory shared between hosts (NFS, SMB) is outside the guarantee:
 * its file locks and renames are not reliable enough to fence with; use S3 there. The version is
 * the SHA-256 of the content (like an S3 ETag, it changes with the content only). Since keys are
 * paths, a key cannot name an object and also be a directory of other keys ({@code a} and
 * {@code a/b}). Staging files left by a crash are removed when a store is next opened if their
 * writer process is gone, otherwise an hour later.
 */
public final class DirectoryObjectStore implements ObjectStore {

    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(30);

    static final String STAGING_DIRECTORY = ".staging";
    static final String LOCK_FILE = ".lock";
    private static final Duration STALE_STAGING_AGE = Duration.ofHours(1);
    /** Staging files are named after the process writing them: {@code object-<pid>-<random>.tmp}. */
    private static final long PID = ProcessHandle.current().pid();

    private static final String STAGING_PREFIX = "object-" + PID + "-";
    private static final Pattern STAGING_NAME = Pattern.compile("object-(\\d+)-.*\\.tmp");

    private final String name;
    private final Path root;
    private final Path staging;
    private final DirectoryLock lock;

    public DirectoryObjectStore(Path root) {
        this(root, DEFAULT_LOCK_TIMEOUT);
    }

    public DirectoryObjectStore(Path root, Duration lockTimeout) {
        this.name = "directory:" + root.toAbsolutePath().normalize();
        try {
            this.root = Files.createDirectories(root).toRealPath();
            this.staging = Files.createDirectories(this.root.resolve(STAGING_DIRECTORY));
            removeStaleStagingFiles();
        } catch (IOException e) {
            throw new ObjectStoreException(name, "open", null, e);
        }
        this.lock = new DirectoryLock(this.root.resolve(LOCK_FILE), lockTimeout);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void put(String key, Path file) {
        run("put", key, () -> {
            Path target = pathOf(key);
            Path staged = stage(out -> Files.copy(file, out, StandardCopyOption.REPLACE_EXISTING));
            return publish(staged, () -> {
                moveIntoPlace(staged, key, target);
                return true;
            });
        });
    }

    @Override
    public void put(String key, byte[] bytes) {
        run("put", key, () -> {
            Path target = pathOf(key);
            Path staged = stage(bytes);
            return publish(staged, () -> {
                moveIntoPlace(staged, key, target);
                return true;
            });
        });
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes) {
        return run("putIfAbsent", key, () -> {
            Path target = pathOf(key);
            Path staged = stage(bytes);
            return publish(staged, () -> {
                if (Files.isRegularFile(target)) {
                    return false;
                }
                moveIntoPlace(staged, key, target);
                return true;
            });
        });
    }

    @Override
    public boolean replaceIfMatch(String key, byte[] bytes, String expectedVersion) {
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        return run("replaceIfMatch", key, () -> {
            Path target = pathOf(key);
            Path staged = stage(bytes);
            return publish(staged, () -> {
                Optional<byte[]> current = read(target);
                if (current.isEmpty() || !version(current.get()).equals(expectedVersion)) {
                    return false;
                }
                moveIntoPlace(staged, key, target);
                return true;
            });
        });
    }

    @Override
    public Optional<byte[]> get(String key) {
        return run("get", key, () -> read(pathOf(key)));
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        return run("getVersioned", key, () -> read(pathOf(key)).map(bytes -> new Versioned(bytes, version(bytes))));
    }

    @Override
    public void download(String key, Path target) {
        run("download", key, () -> {
            Path source = pathOf(key);
            if (!Files.isRegularFile(source)) {
                throw new ObjectNotFoundException(name, "download", key);
            }
            Path directory = target.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            Path partial = Files.createTempFile(directory, "." + target.getFileName(), ".download");
            try {
                // Copies from one open file: a concurrent replace of the object cannot mix contents.
                Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (NoSuchFileException e) {
                throw new ObjectNotFoundException(name, "download", key);
            } finally {
                Files.deleteIfExists(partial);
            }
            return null;
        });
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return run("list", prefix, () -> {
            ObjectKeys.requireValidPrefix(prefix);
            int slash = prefix.lastIndexOf('/');
            Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
            List<ObjectInfo> found = new ArrayList<>();
            if (Files.isDirectory(start)) {
                Files.walkFileTree(start, new PrefixCollector(root, prefix, found));
            }
            found.sort(Comparator.comparing(ObjectInfo::key));
            return found;
        });
    }

    @Override
    public void delete(String key) {
        run(
                "delete",
                key,
                () -> lock.call(() -> {
                    Path target = pathOf(key);
                    if (Files.isRegularFile(target)) {
                        Files.deleteIfExists(target);
                        removeEmptyParents(target);
                    }
                    return null;
                }));
    }

    @Override
    public boolean exists(String key) {
        return run("exists", key, () -> Files.isRegularFile(pathOf(key)));
    }

    /** Nothing to release: every operation opens and closes its own files. */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return name;
    }

    private Path pathOf(String key) {
        return root.resolve(ObjectKeys.requireValid(key));
    }

    private interface Writer {
        void writeTo(Path staged) throws IOException;
    }

    private Path stage(byte[] bytes) throws IOException {
        return stage(out -> Files.write(out, bytes));
    }

    /** Writes a new staging file and flushes it to disk, so the rename publishes durable bytes. */
    private Path stage(Writer writer) throws IOException {
        Path staged = Files.createTempFile(staging, STAGING_PREFIX, ".tmp");
        try {
            writer.writeTo(staged);
            try (FileChannel out = FileChannel.open(staged, StandardOpenOption.WRITE)) {
                out.force(true);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(staged);
            throw e;
        }
        return staged;
    }

    /** Runs {@code step} under the lock; the staging file is gone afterwards whatever happened. */
    private boolean publish(Path staged, DirectoryLock.Action<Boolean> step) throws IOException {
        try {
            return lock.call(step);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /** Under the lock: parents created here cannot be pruned by a concurrent delete. */
    private void moveIntoPlace(Path staged, String key, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            throw new IOException("'" + key + "' is a directory of other keys in this store");
        }
        Files.createDirectories(target.getParent());
        try {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + root + " cannot rename atomically", e);
        }
        syncDirectory(target.getParent());
    }

    /** Makes the rename itself durable; some platforms cannot open a directory, which is harmless. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Best effort: the data is flushed; only the rename may be replayed after a power loss.
        }
    }

    private void removeEmptyParents(Path file) throws IOException {
        for (Path dir = file.getParent(); !dir.equals(root); dir = dir.getParent()) {
            try {
                Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException e) {
                return;
            }
        }
    }

    private static Optional<byte[]> read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    static String version(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * Removes the staging files a crash left behind: at once those of a writer process that no
     * longer runs (a kill mid-upload must not leave an object's bytes, personal data among them,
     * for an hour), and any other an hour old (a name without a process, or a process id reused).
     */
    private void removeStaleStagingFiles() throws IOException {
        Instant staleBefore = Instant.now().minus(STALE_STAGING_AGE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
            for (Path file : files) {
                try {
                    if (writerGone(file)
                            || Files.getLastModifiedTime(file).toInstant().isBefore(staleBefore)) {
                        Files.deleteIfExists(file);
                    }
                } catch (NoSuchFileException e) {
                    // Published or removed by its writer meanwhile.
                }
            }
        }
    }

    private static boolean writerGone(Path file) {
        Matcher name = STAGING_NAME.matcher(file.getFileName().toString());
        if (!name.matches()) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(name.group(1));
        } catch (NumberFormatException e) {
            return false;
        }
        return pid != PID
                && ProcessHandle.of(pid).map(process -> !process.isAlive()).orElse(true);
    }

    private <T> T run(String operation, String key, DirectoryLock.Action<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw new ObjectStoreException(name, operation, key, e);
        }
    }
}
