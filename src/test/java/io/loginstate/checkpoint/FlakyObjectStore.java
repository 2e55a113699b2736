package io.loginstate.checkpoint;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.ObjectStoreException;
import io.loginstate.objectstore.Versioned;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/** A store that can be switched off: while down, every call fails as an unreachable store's would. */
public final class FlakyObjectStore implements ObjectStore {

    private final ObjectStore delegate;
    private final AtomicInteger failedCalls = new AtomicInteger();
    private volatile boolean down;
    private volatile Predicate<String> failingKeys = key -> false;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
    private final AtomicReference<Predicate<String>> beforeCreateKeys = new AtomicReference<>();
    private volatile Runnable beforeCreate = () -> {};

    public FlakyObjectStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    public void down(boolean value) {
        this.down = value;
    }

    /** Fails the next {@code times} calls on keys matching {@code keys}, as an unreachable store would. */
    public void failNext(Predicate<String> keys, int times) {
        failingKeys = keys;
        failuresLeft.set(times);
    }

    public int failedCalls() {
        return failedCalls.get();
    }

    /**
     * Runs {@code action} once, just before the next {@code putIfAbsent} of a key matching
     * {@code keys} reaches the store: what another process did between two steps of this one.
     */
    public void beforeNextCreate(Predicate<String> keys, Runnable action) {
        beforeCreate = action;
        beforeCreateKeys.set(keys);
    }

    /** How often {@code key} was read ({@code get} or {@code getVersioned}). */
    public int reads(String key) {
        AtomicInteger count = reads.get(key);
        return count == null ? 0 : count.get();
    }

    private void countRead(String key) {
        reads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    private void check(String operation, String key) {
        if (down || failingKeys.test(key) && failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failedCalls.incrementAndGet();
            throw new ObjectStoreException(name(), operation, key, new ConnectException("store unreachable"));
        }
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void put(String key, Path file) {
        check("put", key);
        delegate.put(key, file);
    }

    @Override
    public void put(String key, byte[] bytes) {
        check("put", key);
        delegate.put(key, bytes);
    }

    @Override
    public boolean putIfAbsent(String key, byte[] bytes) {
        check("putIfAbsent", key);
        Predicate<String> hooked = beforeCreateKeys.get();
        if (hooked != null && hooked.test(key) && beforeCreateKeys.compareAndSet(hooked, null)) {
            beforeCreate.run();
        }
        return delegate.putIfAbsent(key, bytes);
    }

    @Override
    public boolean replaceIfMatch(String key, byte[] bytes, String expectedVersion) {
        check("replaceIfMatch", key);
        return delegate.replaceIfMatch(key, bytes, expectedVersion);
    }

    @Override
    public Optional<byte[]> get(String key) {
        check("get", key);
        countRead(key);
        return delegate.get(key);
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        check("get", key);
        countRead(key);
        return delegate.getVersioned(key);
    }

    @Override
    public void download(String key, Path target) {
        check("download", key);
        delegate.download(key, target);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        check("list", prefix);
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) {
        check("delete", key);
        delegate.delete(key);
    }

    @Override
    public boolean exists(String key) {
        check("exists", key);
        return delegate.exists(key);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
