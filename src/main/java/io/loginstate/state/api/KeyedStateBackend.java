package io.loginstate.state.api;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * All keyed state of one partition: the application's states, the partition's event time, TTL
 * cleanup, and the input position the state reflects. One thread at a time writes: the first
 * write opens a transaction, {@link #commit} makes it visible and durable-on-flush together with
 * the position, {@link #abort} drops it. {@link #readView} serves other threads.
 */
public interface KeyedStateBackend extends KeyedStateStore, AutoCloseable {

    /** The partition's event time: advance it before applying each record. */
    EventTimeClock time();

    /** Counters and gauges of TTL cleanup; safe from any thread. */
    TtlMetrics ttlMetrics();

    /** The next input offset the committed state reflects; empty before the first commit. */
    OptionalLong position();

    /** Removes a bounded number of expired entries within the current transaction. */
    int cleanupIncrementally();

    /** Makes the transaction's writes visible and durable-on-flush with the input position. */
    void commit(long position);

    /** Drops the transaction's writes and rewinds event time to what is committed. */
    void abort();

    /**
     * Between batches: removes expired entries of an idle partition (committing them at the
     * current position), refreshes the gauges, and compacts deleted data when the deletion
     * deadline requires it. Returns true if it changed anything.
     */
    boolean maintain();

    /**
     * The part of a checkpoint that needs the writer thread: removes (and commits) the entries
     * expired at this moment, so no snapshot taken after it holds them.
     */
    void drainExpired();

    /**
     * On the writer thread, between transactions: drains expired entries, then writes a snapshot
     * of the committed state to {@code target} (which must not exist).
     */
    StateSnapshot snapshot(Path target);

    /**
     * A snapshot taken from another thread while batches go on; it ends at some batch boundary,
     * which the result names.
     *
     * @throws IllegalStateException if the backend is closed; a close waits for a running snapshot
     */
    StateSnapshot snapshotConcurrently(Path target);

    /** Age of the oldest expired entry still present in some local file, in ms (0 if none). */
    long oldestUnpurgedExpiredAgeMillis();

    /**
     * Runs {@code reader} on a view of the committed state (TTL applied, never writes), from any
     * thread; empty once the backend is closed, or if the reader returns null.
     */
    <T> Optional<T> read(Function<KeyedStateStore, T> reader);

    /** Flushes and closes; idempotent. */
    @Override
    void close();
}
