package io.loginstate.erasure;

import io.loginstate.objectstore.ObjectStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Takes erasure requests on the owner of the user's partition: records the erase command in the
 * input topic (acknowledged before anything is answered), writes the receipt, and hides the user
 * from this instance's queries until the partition has applied the command. A repeated request for
 * a user whose erasure is still open records the command again (so whatever was stored since is
 * erased too) and answers with the same receipt; one after a completed erasure gets a new receipt.
 */
public final class ErasureRequests {

    private static final Logger LOG = Logger.getLogger(ErasureRequests.class);
    private static final int MAX_REPEATS_PER_DAY = 99;

    /** An erase command this instance recorded and its partition has not applied yet. */
    private record Pending(int partition, long offset) {}

    private final SubjectKey subjects;
    private final ErasureReceipts receipts;
    private final EraseCommandLog commands;
    private final String topic;
    private final Duration bound;
    private final Duration recordTimeout;
    private final InstantSource clock;
    /** Raw user ids, in memory only and only until applied: what queries must not show. */
    private final Map<String, Pending> hidden = new ConcurrentHashMap<>();
    /** Receipts recorded in the log whose write to the store failed: the tracker writes them. */
    private final Map<String, Unstored> unstored = new ConcurrentHashMap<>();

    record Unstored(ErasureReceipt receipt, byte[] userKey, boolean reopen) {}

    public ErasureRequests(
            SubjectKey subjects,
            ErasureReceipts receipts,
            EraseCommandLog commands,
            String topic,
            Duration bound,
            Duration recordTimeout,
            InstantSource clock) {
        this.subjects = subjects;
        this.receipts = receipts;
        this.commands = commands;
        this.topic = topic;
        this.bound = bound;
        this.recordTimeout = recordTimeout;
        this.clock = clock;
    }

    /** Requests without a subject key: {@link #configured()} is false, {@link #request} refuses. */
    public static ErasureRequests unconfigured(ErasureReceipts receipts) {
        return new ErasureRequests(null, receipts, null, null, Duration.ZERO, Duration.ZERO, InstantSource.system());
    }

    /** False without {@code login-state.erasure.subject-key}: requests cannot name the user in a receipt. */
    public boolean configured() {
        return subjects != null;
    }

    /**
     * Records the erasure of {@code userId} in {@code partition} (owned here) and returns its
     * receipt; {@code stateFound} says whether the partition held state for the user.
     *
     * @throws EraseNotRecordedException if the broker did not acknowledge the command
     */
    public synchronized ErasureReceipt request(String userId, int partition, boolean stateFound) {
        if (!configured()) {
            throw new IllegalStateException("login-state.erasure.subject-key is not set");
        }
        byte[] userKey = userId.getBytes(StandardCharsets.UTF_8);
        Instant now = clock.instant();
        String subject = subjects.subject(userKey);
        String base = SubjectKey.erasureId(subject, now);
        String erasureId = base;
        Optional<ErasureReceipt> existing = receipts.get(erasureId);
        for (int repeat = 2;
                existing.isPresent() && existing.get().complete() && repeat <= MAX_REPEATS_PER_DAY;
                repeat++) {
            erasureId = base + "-" + repeat;
            existing = receipts.get(erasureId);
        }
        long offset = commands.append(partition, userKey, erasureId, now, recordTimeout);
        hidden.put(userId, new Pending(partition, offset));
        ErasureReceipt.Step recorded = new ErasureReceipt.Step(now, offset, null, null, null);
        ErasureReceipt receipt = new ErasureReceipt(
                erasureId,
                subject,
                topic,
                partition,
                existing.map(ErasureReceipt::requestedAt).orElse(now),
                now.plus(bound),
                offset,
                stateFound || existing.map(ErasureReceipt::stateFound).orElse(false),
                new ErasureReceipt.Steps(
                        recorded, ErasureReceipt.Step.at(clock.instant()), null, null, null, null, null),
                null);
        boolean reopen = existing.isPresent();
        try {
            store(receipt, userKey, reopen);
        } catch (ObjectStoreException e) {
            unstored.put(erasureId, new Unstored(receipt, userKey, reopen));
            LOG.warnf(
                    "Erasure %s is recorded at offset %d of partition %d; its receipt could not be stored yet (%s),"
                            + " retrying",
                    erasureId, offset, partition, e.getMessage());
        }
        LOG.infof("Erasure %s recorded at offset %d of partition %d", erasureId, offset, partition);
        return receipt;
    }

    /**
     * True while {@code userId} must not be shown: this instance recorded its erasure in
     * {@code partition} and the partition, at {@code nextOffset}, has not applied the command yet.
     */
    public boolean hidden(String userId, int partition, long nextOffset) {
        Pending pending = hidden.get(userId);
        if (pending == null || pending.partition() != partition) {
            return false;
        }
        if (nextOffset > pending.offset()) {
            hidden.remove(userId, pending);
            return false;
        }
        return true;
    }

    /** Forgets the hidden users of {@code partition} whose commands lie before {@code nextOffset}. */
    void applied(int partition, long nextOffset) {
        hidden.entrySet()
                .removeIf(entry -> entry.getValue().partition() == partition
                        && entry.getValue().offset() < nextOffset);
    }

    /** Writes the receipts whose first write failed; the ones still failing stay for the next call. */
    void storeUnstored() {
        for (Unstored item : unstored.values()) {
            try {
                store(item.receipt(), item.userKey(), item.reopen());
                unstored.remove(item.receipt().erasureId(), item);
            } catch (ObjectStoreException e) {
                LOG.debugf(
                        "Receipt of erasure %s still not stored: %s",
                        item.receipt().erasureId(), e.getMessage());
            }
        }
    }

    private void store(ErasureReceipt receipt, byte[] userKey, boolean reopen) {
        if (reopen || !receipts.create(receipt, userKey)) {
            receipts.reopen(receipt, userKey);
        }
    }
}
