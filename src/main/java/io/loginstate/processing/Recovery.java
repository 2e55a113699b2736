package io.loginstate.processing;

import io.loginstate.state.store.StorageUnavailableException;
import io.loginstate.support.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The bookkeeping of a partition that failed to apply or commit (an exception in the handler or
 * the state layer, not a rejected record): the records since the last commit, which are applied
 * again one by one from the committed state after a backoff; how often the record that failed has
 * failed in a row; and which records gave up (poison records), to be dead-lettered as
 * {@code PROCESSING_FAILED} with the exception's class. A failed pass leaves nothing behind: the
 * transaction is aborted, and the next pass starts from the committed state again.
 *
 * <p>A failure of the state volume ({@link StorageUnavailableException}: a full disk, an I/O
 * error), whether in a record's reads or in the commit, is no record's fault: it never counts
 * towards a poison record. A full volume is waited out for as long as it lasts; any other I/O
 * error gives up after {@code poison-attempts} failures in a row.
 */
final class Recovery {

    /** Dead-letter reason of a record that failed {@code poison-attempts} times. */
    static final String PROCESSING_FAILED = "PROCESSING_FAILED";
    /** Offset meaning "the commit failed", not a record. */
    static final long COMMIT = -1;
    /** Offset meaning "the state volume failed", not a record. */
    static final long VOLUME = -2;
    /**
     * Poison records in a row (consecutive offsets) after which the state, not the records, is
     * taken to be broken: the partition fails rather than dead-lettering all its input.
     */
    static final int MAX_POISON_IN_A_ROW = 10;

    private final int attempts;
    private final Duration initialBackoff;
    /** Starts again for each record (or commit) that fails. */
    private Backoff backoff;

    private final List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    /** Offset of each poison record → the class of what it threw. */
    private final Map<Long, String> poisoned = new HashMap<>();

    private long failingAt = Long.MIN_VALUE;
    private int failuresInARow;
    private String lastProblem;
    /** While the volume fails: whether it is full (waited out) rather than failing otherwise. */
    private boolean volumeFull;
    /** While the volume fails: what is short, as the store names it. */
    private String shortage;

    Recovery(int attempts, Duration initialBackoff) {
        this.attempts = Math.max(1, attempts);
        this.initialBackoff = initialBackoff;
        this.backoff = new Backoff(initialBackoff, maxBackoff(initialBackoff));
    }

    /** Doubling up to 10 s (or the initial wait, if longer): well within a close timeout. */
    static Duration maxBackoff(Duration initial) {
        Duration cap = Duration.ofSeconds(10);
        return initial.compareTo(cap) > 0 ? initial : cap;
    }

    /** The records from the committed position on, in offset order, to apply again. */
    void addPending(List<ConsumerRecord<byte[], byte[]>> records, long from) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.offset() >= from) {
                pending.add(record);
            }
        }
    }

    List<ConsumerRecord<byte[], byte[]>> pending() {
        return pending;
    }

    Map<Long, String> poisoned() {
        return poisoned;
    }

    /**
     * Notes a failure at {@code offset} (or {@link #COMMIT}); returns true if the failing record
     * has now failed its last attempt and was made a poison record.
     */
    boolean failed(long offset, Throwable problem) {
        lastProblem = problem.getClass().getName();
        if (offset == failingAt) {
            failuresInARow++;
        } else {
            failingAt = offset;
            failuresInARow = 1;
            backoff = new Backoff(initialBackoff, maxBackoff(initialBackoff));
        }
        if (offset == COMMIT || failuresInARow < attempts) {
            return false;
        }
        poisoned.put(offset, lastProblem);
        failingAt = Long.MIN_VALUE;
        failuresInARow = 0;
        return true;
    }

    /**
     * Notes a failure of the state volume; returns true if it is the first in a row (a new outage,
     * to be reported once).
     */
    boolean volumeFailed(StorageUnavailableException problem) {
        lastProblem = problem.getClass().getName();
        volumeFull = problem.full();
        shortage = problem.shortage();
        if (failingAt == VOLUME) {
            failuresInARow++;
            return false;
        }
        failingAt = VOLUME;
        failuresInARow = 1;
        backoff = new Backoff(initialBackoff, maxBackoff(initialBackoff));
        return true;
    }

    /** True while the last failure was the state volume's. */
    boolean volumeFailing() {
        return failingAt == VOLUME;
    }

    /** True once a volume that is not full failed on every attempt: it needs the store reopened. */
    boolean volumeExhausted() {
        return failingAt == VOLUME && !volumeFull && failuresInARow >= attempts;
    }

    /** True once the commit failed on every attempt: retrying does not help. */
    boolean commitExhausted() {
        return failingAt == COMMIT && failuresInARow >= attempts;
    }

    /** True if {@link #MAX_POISON_IN_A_ROW} consecutive offsets are poison records: the state is broken. */
    boolean tooManyPoisoned() {
        if (poisoned.size() < MAX_POISON_IN_A_ROW) {
            return false;
        }
        for (long offset : poisoned.keySet()) {
            int run = 1;
            while (poisoned.containsKey(offset + run)) {
                run++;
            }
            if (run >= MAX_POISON_IN_A_ROW) {
                return true;
            }
        }
        return false;
    }

    long nextBackoffMillis() {
        return backoff.nextMillis();
    }

    /** What readiness shows while the partition retries. */
    String describe() {
        if (failingAt == VOLUME) {
            return "holding " + pending.size() + " record(s): "
                    + (volumeFull
                            ? shortage + "; retrying until it takes writes again (attempt " + failuresInARow + ")"
                            : "the state volume failed (" + lastProblem + ", failure " + failuresInARow + " of "
                                    + attempts + ")")
                    + "; " + poisoned.size() + " dead-lettered";
        }
        String what = failingAt == COMMIT ? "the commit" : "record " + failingAt;
        return "retrying " + pending.size() + " record(s) after " + lastProblem + " (" + what + ", failure "
                + failuresInARow + " of " + attempts + "; " + poisoned.size() + " dead-lettered)";
    }

    /** The dead letter's message: the exception's class only, since its message may hold personal data. */
    static String message(String exceptionClass, int attempts) {
        return "processing failed " + attempts + " times with " + exceptionClass;
    }

    int attempts() {
        return attempts;
    }
}
