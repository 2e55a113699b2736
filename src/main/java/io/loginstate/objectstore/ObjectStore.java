package io.loginstate.objectstore;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A flat store of immutable-looking objects under '/'-separated keys: what checkpoints need, and no
 * more. Keys follow {@link ObjectKeys}; each implementation maps them under its own root (a
 * directory, a bucket prefix). Every failure is an {@link ObjectStoreException} naming the store,
 * the operation and the key.
 *
 * <p>Writes are atomic: a reader sees an object's previous content or its new content, never a
 * part of it. The conditional writes ({@link #putIfAbsent}, {@link #replaceIfMatch}) are atomic
 * against every other write of the same key, which is what fencing by owner epoch relies on.
 */
public interface ObjectStore extends AutoCloseable {

    /** Identifies the store in logs and errors, e.g. {@code s3://bucket/prefix/}; never secrets. */
    String name();

    /** Uploads a file as {@code key}, replacing any object there; the file is read, not moved. */
    void put(String key, Path file);

    /** Stores {@code bytes} as {@code key}, replacing any object there. */
    void put(String key, byte[] bytes);

    /**
     * Creates {@code key} only if no object has that key.
     *
     * @return true if this call created it; false if the key exists. On S3, false can also mean a
     *         concurrent conditional write of the key was in progress (409), or that this very write
     *         succeeded on an attempt whose answer was lost and the retry found it: callers that need
     *         to know read the object back and compare.
     */
    boolean putIfAbsent(String key, byte[] bytes);

    /**
     * Replaces {@code key} only if its current version is {@code expectedVersion}, as returned by
     * {@link #getVersioned}.
     *
     * @return true if this call replaced it; false if the object changed since, or is gone
     */
    boolean replaceIfMatch(String key, byte[] bytes, String expectedVersion);

    /** The object's content, or empty if there is no object with that key. */
    Optional<byte[]> get(String key);

    /** The object's content with the version that {@link #replaceIfMatch} expects. */
    Optional<Versioned> getVersioned(String key);

    /**
     * Streams the object into {@code target}, replacing it; the target appears complete or not at
     * all (written beside it, then moved).
     *
     * @throws ObjectNotFoundException if there is no object with that key
     */
    void download(String key, Path target);

    /**
     * Every object whose key starts with {@code prefix} (a plain string prefix, as in S3, so
     * {@code "a"} matches {@code "a/x"} and {@code "ab"}), sorted by key; {@code ""} lists all.
     */
    List<ObjectInfo> list(String prefix);

    /** Removes the object; removing a missing object is not an error. */
    void delete(String key);

    boolean exists(String key);

    /** Releases the store's resources; idempotent. */
    @Override
    void close();
}
