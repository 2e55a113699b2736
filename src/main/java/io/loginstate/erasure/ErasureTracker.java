package io.loginstate.erasure;

import io.loginstate.erasure.ErasureReceipt.Step;
import io.loginstate.erasure.ErasureReceipt.Steps;
import io.loginstate.support.DaemonThreads;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Advances the receipts of open erasures whose partition is open on this instance, one poll at a
 * time on its own thread: applied (the partition's next offset is past the command), purged
 * locally (no erased data older than the apply is left in a local file), purged from checkpoints
 * (every retained checkpoint was started after the purge), purged from savepoints (every savepoint
 * rewritten without the user or deleted), complete. A change of the partition's checkpoint owner
 * before the checkpoints are clean starts again from "applied": the new owner may have restored a
 * checkpoint from before the erasure and applied the command again.
 */
public final class ErasureTracker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ErasureTracker.class);

    private final ErasureReceipts receipts;
    private final ErasureRequests requests;
    private final ErasurePartitions partitions;
    private final boolean checkpoints;
    private final SavepointScrub savepoints;
    private final String topic;
    private final InstantSource clock;
    private ScheduledExecutorService timer;
    private volatile int open;
    private volatile int overdue;

    public ErasureTracker(
            ErasureReceipts receipts,
            ErasureRequests requests,
            ErasurePartitions partitions,
            boolean checkpoints,
            SavepointScrub savepoints,
            String topic,
            InstantSource clock) {
        this.receipts = receipts;
        this.requests = requests;
        this.partitions = partitions;
        this.checkpoints = checkpoints;
        this.savepoints = savepoints;
        this.topic = topic;
        this.clock = clock;
    }

    public synchronized void start(Duration interval) {
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("erasure-tracker-"));
        long millis = Math.max(100, interval.toMillis());
        timer.scheduleWithFixedDelay(this::pollQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warnf("Erasure receipts not advanced this time: %s", e.toString());
        }
    }

    /** One pass over the open erasures. */
    public void poll() {
        if (requests != null) {
            requests.storeUnstored();
        }
        int stillOpen = 0;
        int late = 0;
        for (String erasureId : receipts.open()) {
            Optional<ErasureReceipt> receipt = receipts.get(erasureId);
            if (receipt.isEmpty() || receipt.get().partition() == null) {
                continue;
            }
            if (receipt.get().complete()) {
                receipts.close(erasureId);
                continue;
            }
            Optional<ErasurePartitions.Progress> progress =
                    partitions.progress(receipt.get().partition());
            boolean completed = progress.isPresent() && advance(receipt.get(), progress.get());
            if (!completed) {
                stillOpen++;
                if (receipt.get().deadline() != null
                        && clock.instant().isAfter(receipt.get().deadline())) {
                    late++;
                }
            }
        }
        open = stillOpen;
        overdue = late;
    }

    /** Erasures not complete at the last poll, in every partition (every instance sees them all). */
    public int openErasures() {
        return open;
    }

    /** Of those, the ones past their receipt's deadline: what an auditor would be owed. */
    public int overdueErasures() {
        return overdue;
    }

    /** Advances the receipt's steps; true if it is complete now. */
    private boolean advance(ErasureReceipt receipt, ErasurePartitions.Progress progress) {
        int partition = receipt.partition();
        long command = receipt.commandOffset();
        Steps steps = receipt.steps();
        long claim = progress.ownerClaim();
        if (steps.applied() != null
                && steps.purgedFromCheckpoints() == null
                && steps.applied().ownerClaim() != null
                && steps.applied().ownerClaim() != claim) {
            // Another owner since: it may have restored an older checkpoint and applied the command again.
            steps = steps.withApplied(null).withPurgedLocally(null);
        }
        if (steps.applied() == null && progress.nextOffset() > command) {
            steps = steps.withApplied(new Step(clock.instant(), command, claim, null, null));
            if (requests != null) {
                requests.applied(partition, progress.nextOffset());
            }
        }
        if (steps.applied() != null && steps.purgedLocally() == null) {
            long unpurged = progress.unpurgedDeletionsSince();
            if (unpurged == Long.MIN_VALUE || unpurged > steps.applied().at().toEpochMilli()) {
                // The purge that removed the bytes ran at the last change by maintenance or before;
                // without one since the apply, nothing was stored to purge.
                long after = Math.max(progress.lastPurge(), steps.applied().at().toEpochMilli());
                steps = steps.withPurgedLocally(
                        new Step(clock.instant(), null, null, Instant.ofEpochMilli(after), null));
            }
        }
        if (steps.purgedLocally() != null && steps.purgedFromCheckpoints() == null) {
            steps = checkpointsClean(steps, progress);
        }
        if (steps.applied() != null && steps.purgedFromSavepoints() == null) {
            steps = savepointsClean(receipt, steps);
        }
        if (steps.purgedFromCheckpoints() != null && steps.purgedFromSavepoints() != null && steps.complete() == null) {
            steps = steps.withComplete(Step.at(clock.instant()));
        }
        if (steps.equals(receipt.steps())) {
            return false;
        }
        Steps next = steps;
        ErasureReceipt stored = receipts.update(
                receipt.erasureId(), current -> current.steps().equals(receipt.steps()) ? current.with(next) : current);
        if (stored.complete()) {
            receipts.close(receipt.erasureId());
            LOG.infof(
                    "Erasure %s complete: partition %d, requested at %s, %d ms",
                    receipt.erasureId(),
                    partition,
                    receipt.requestedAt(),
                    Duration.between(
                                    receipt.requestedAt(),
                                    stored.steps().complete().at())
                            .toMillis());
        }
        return stored.complete();
    }

    private Steps checkpointsClean(Steps steps, ErasurePartitions.Progress progress) {
        if (!checkpoints) {
            return steps.withPurgedFromCheckpoints(Step.at(clock.instant(), "checkpoints are off"));
        }
        long oldest = progress.oldestRetainedCheckpointStart();
        if (oldest != Long.MIN_VALUE
                && oldest >= steps.purgedLocally().checkpointsAfter().toEpochMilli()) {
            return steps.withPurgedFromCheckpoints(Step.at(
                    clock.instant(), "the oldest retained checkpoint was started at " + Instant.ofEpochMilli(oldest)));
        }
        return steps;
    }

    private Steps savepointsClean(ErasureReceipt receipt, Steps steps) {
        if (savepoints == null) {
            return steps.withPurgedFromSavepoints(Step.at(clock.instant(), "no savepoints (checkpoints are off)"));
        }
        Optional<byte[]> userKey = receipts.userKey(receipt.erasureId());
        if (userKey.isEmpty()) {
            return steps;
        }
        OptionalInt count = partitions.partitionCount();
        SavepointScrub.Tally tally =
                savepoints.scrub(savepoints.all(), userKey.get(), topic, count.orElse(-1), receipt.commandOffset());
        if (!tally.done()) {
            LOG.debugf("Erasure %s: savepoints pending: %s", receipt.erasureId(), tally.problems());
            return steps;
        }
        return steps.withPurgedFromSavepoints(Step.at(clock.instant(), tally.summary()));
    }

    /** Stops the poller, waiting up to {@code timeout} for a pass in progress. */
    public synchronized void stop(Duration timeout) {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
