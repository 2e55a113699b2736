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

    /**
     * On the writer thread, within the current transaction (committed by {@link #commit}, dropped
     * by {@link #abort}): removes everything stored under {@code key} in every state, live or
     * expired, with its expiry-index filings, and has the erased bytes compacted out of every local
     * file by the deletion deadline. Returns true if anything was stored under the key.
     */
    boolean erase(byte[] key);

    /**
     * Wall-clock time (ms) of the oldest deleted or erased data that may still sit in a local file,
     * {@link EventTimeClock#NO_TIME} if none; safe from any thread. It moves later only through a
     * purge: data erased at wall time T is out of every local file once this is NO_TIME or after T.
     */
    long unpurgedDeletionsSince();

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
