package io.loginstate.processing;

import io.loginstate.state.api.CleanupStrategy;
import io.loginstate.state.api.KeyedStateBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/** Meters of the processing layer; per-partition meters are removed when the partition closes. */
public final class ProcessingMetrics {

    private final MeterRegistry registry;
    private final EndOffsets endOffsets;

    public ProcessingMetrics(MeterRegistry registry) {
        this(registry, EndOffsets.NONE);
    }

    /** With {@code endOffsets}, each partition also reports its consumer lag. */
    public ProcessingMetrics(MeterRegistry registry, EndOffsets endOffsets) {
        this.registry = registry;
        this.endOffsets = endOffsets;
    }

    /** Records between the partition's next offset and the end of its log; NaN while either is unknown. */
    static double lag(OptionalLong endOffset, OptionalLong nextOffset) {
        if (endOffset.isEmpty() || nextOffset.isEmpty()) {
            return Double.NaN;
        }
        return Math.max(0, endOffset.getAsLong() - nextOffset.getAsLong());
    }

    PartitionMeters forPartition(TopicPartition partition, PartitionProcessor processor, KeyedStateBackend state) {
        return new PartitionMeters(partition, processor, state);
    }

    /** Counted once per batch, never per record. */
    final class PartitionMeters {
        private final List<Meter> meters = new ArrayList<>();
        private final Counter applied;
        private final Counter skipped;
        private final Counter failures;
        private final Timer batchTime;
        private final Timer commitTime;
        private final Counter misplaced;
        private final Counter deadLettersFailed;
        private final Counter retries;
        private final Map<String, Counter> dropped = new HashMap<>();
        private final String partitionTag;

        private PartitionMeters(TopicPartition partition, PartitionProcessor processor, KeyedStateBackend state) {
            this.partitionTag = Integer.toString(partition.partition());
            this.applied = register(Counter.builder("login_state.records.applied")
                    .description("Records applied to state")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.skipped = register(Counter.builder("login_state.records.skipped")
                    .description("Redelivered records below the committed position, skipped")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.failures = register(Counter.builder("login_state.partition.failures")
                    .description("Failures that stopped the partition (retries exhausted)")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.batchTime = register(Timer.builder("login_state.batch.apply")
                    .description("Time to apply one batch (without its commit)")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.commitTime = register(Timer.builder("login_state.commit")
                    .description("Time to commit the batches applied since the last commit: dead letters, "
                            + "TTL cleanup, one atomic write of state and offset")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.misplaced = register(Counter.builder("login_state.records.misplaced")
                    .description("Records whose key login-state.partitioner places on another partition "
                            + "(the producers use another partitioner)")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.retries = register(Counter.builder("login_state.processing.retries")
                    .description("Failed attempts to apply, commit or maintain the partition's state that are "
                            + "retried (a record that fails poison-attempts times is dead-lettered)")
                    .tag("partition", partitionTag)
                    .register(registry));
            this.deadLettersFailed = register(Counter.builder("login_state.dead_letters.failed")
                    .description("Sends of dead letters that failed (the topic is missing, unreachable or refuses "
                            + "them); the partition waits and retries, never committing past the record")
                    .tag("partition", partitionTag)
                    .register(registry));
            for (CleanupStrategy strategy : CleanupStrategy.values()) {
                register(FunctionCounter.builder(
                                "login_state.ttl.expired_removed",
                                state,
                                s -> s.ttlMetrics().removed(strategy))
                        .description("Expired state entries removed, by how they were found")
                        .tag("partition", partitionTag)
                        .tag("strategy", strategy.tag())
                        .register(registry));
            }
            register(FunctionCounter.builder(
                            "login_state.ttl.purges", state, s -> s.ttlMetrics().purges())
                    .description("Targeted compactions run to enforce the physical-deletion deadline")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.ttl.entries_waiting",
                            state,
                            s -> s.ttlMetrics().waitingEntries())
                    .description("Expired entries not yet removed (counted up to 100000)")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.ttl.oldest_unpurged_expired_age",
                            state,
                            s -> s.oldestUnpurgedExpiredAgeMillis() / 1000.0)
                    .description("Seconds since the oldest expired entry still present in a local file expired; "
                            + "stays below max-deletion-delay")
                    .baseUnit("seconds")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.event_time.watermark.timestamp",
                            state,
                            s -> s.time().watermark() == Long.MIN_VALUE
                                    ? Double.NaN
                                    : s.time().watermark() / 1000.0)
                    .description("Event-time watermark of the partition, seconds since the epoch")
                    .baseUnit("seconds")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.consumer.lag",
                            processor,
                            p -> lag(endOffsets.endOffset(partition), p.nextOffset()))
                    .description("Records of the partition's log not applied yet: end offset minus next offset")
                    .baseUnit("records")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.partition.failures_in_a_row", processor, PartitionProcessor::failuresInARow)
                    .description("Times the partition failed in a row at its current offset, across restarts "
                            + "(more than 1: a restart did not cure it)")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.partition.state_unwritable",
                            processor,
                            p -> p.volumeTrouble().isPresent() ? 1 : 0)
                    .description("1 while the partition cannot write its state (a full volume, an I/O error): it holds "
                            + "its records and retries; 0 otherwise")
                    .tag("partition", partitionTag)
                    .register(registry));
            register(Gauge.builder(
                            "login_state.partition.next_offset",
                            processor,
                            p -> p.nextOffset().orElse(0))
                    .description("Next input offset the partition's state expects")
                    .tag("partition", partitionTag)
                    .register(registry));
        }

        private <M extends Meter> M register(M meter) {
            meters.add(meter);
            return meter;
        }

        void batch(int appliedCount, BatchOutcome outcome, long nanos) {
            applied.increment(appliedCount);
            for (Map.Entry<String, Integer> drop : outcome.dropped().entrySet()) {
                dropped.computeIfAbsent(
                                drop.getKey(),
                                reason -> register(Counter.builder("login_state.records.dropped")
                                        .description(
                                                "Valid records neither applied nor dead-lettered (an event already past its TTL), by reason")
                                        .tag("partition", partitionTag)
                                        .tag("reason", reason)
                                        .register(registry)))
                        .increment(drop.getValue());
            }
            for (Rejection rejection : outcome.rejections()) {
                Counter.builder("login_state.records.dead_lettered")
                        .description("Records sent to the dead-letter topic, by reason")
                        .tag("reason", rejection.reason())
                        .register(registry)
                        .increment();
            }
            batchTime.record(nanos, TimeUnit.NANOSECONDS);
        }

        void committed(long nanos) {
            commitTime.record(nanos, TimeUnit.NANOSECONDS);
        }

        void misplaced(int count) {
            misplaced.increment(count);
        }

        void retried() {
            retries.increment();
        }

        void deadLettersFailed(int count) {
            deadLettersFailed.increment(count);
        }

        void skipped(int count) {
            skipped.increment(count);
        }

        void failed() {
            failures.increment();
        }

        void close() {
            meters.forEach(registry::remove);
        }
    }
}
