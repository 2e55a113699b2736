package io.loginstate.processing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Deletes the local files an instance keeps for a partition it no longer processes, once the
 * partition has been away for {@code retention}. An instance keeps a partition's state directory
 * when the partition moves away, so that a partition that comes back (or a restart) reuses it;
 * but the new owner's expiry and erasures do not reach that copy. The service keeps it for a
 * quarter of {@code ttl.max-deletion-delay} and sweeps every eighth of that (at most every minute):
 * the copy is gone within about half the deadline after the move. Data that expired or was erased
 * before the move is purged by the old owner within half the deadline; so either way, no copy on
 * any running instance outlives the deadline.
 *
 * <p>A partition counts as away from its close here, or else from the first sweep that finds its
 * files here while it is neither open, opening nor closing (files found after a start count from
 * the first sweep). Reopening
 * the partition starts over. Sweeps run under the registry's lock and only move the files aside,
 * so that a partition is never opened over files being deleted; the deletion itself runs after,
 * without the lock, so that a rebalance does not wait for it.
 */
final class KeptStateJanitor {

    private static final Logger LOG = Logger.getLogger(KeptStateJanitor.class);

    private final PartitionOpener opener;
    private final Duration retention;
    private final InstantSource clock;
    private final Map<TopicPartition, Instant> awaySince = new HashMap<>();

    KeptStateJanitor(PartitionOpener opener, Duration retention, InstantSource clock) {
        this.opener = opener;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * Deletes the kept files of every partition away for at least the retention; {@code inUse}
     * tells the partitions open, opening or closing here. Returns the partitions deleted.
     */
    List<TopicPartition> sweep(Predicate<TopicPartition> inUse) {
        Instant now = clock.instant();
        Set<TopicPartition> kept = opener.keptPartitions();
        awaySince.keySet().retainAll(kept);
        List<TopicPartition> discarded = new ArrayList<>();
        for (TopicPartition partition : kept) {
            if (inUse.test(partition)) {
                awaySince.remove(partition);
                continue;
            }
            Instant since = awaySince.computeIfAbsent(partition, p -> now);
            if (Duration.between(since, now).compareTo(retention) >= 0) {
                try {
                    opener.discard(partition);
                    awaySince.remove(partition);
                    discarded.add(partition);
                    LOG.infof(
                            "Partition %s: deleting the local state kept here since it left %s ago",
                            partition, Duration.between(since, now));
                } catch (RuntimeException e) {
                    // Tried again at the next sweep.
                    LOG.warnf("Partition %s: could not move the local state kept here aside: %s", partition, e);
                }
            }
        }
        return discarded;
    }

    /**
     * Deletes the files that sweeps moved aside (and any an earlier process left), without the
     * registry's lock; the registry runs one sweep at a time. A failure leaves them for the next sweep.
     */
    void deleteDiscarded() {
        try {
            opener.deleteDiscarded();
        } catch (RuntimeException e) {
            LOG.warnf("Could not delete the local state of partitions that left: %s", e);
        }
    }

    /** The partitions were closed here (revoked or lost): they are away from now on. */
    void left(Collection<TopicPartition> partitions) {
        Instant now = clock.instant();
        partitions.forEach(partition -> awaySince.put(partition, now));
    }
}
