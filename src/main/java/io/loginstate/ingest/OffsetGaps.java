package io.loginstate.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Checks a partition's stored position against its log when the consumer is positioned there. The
 * consumer's {@code auto.offset.reset} would otherwise hide a position the log no longer fits:
 * below the log start (retention deleted records the state never applied) it silently skips them;
 * beyond the log's end (the topic was deleted and created again, or lost records) it would start
 * the new log over into the old state. Each gap is logged (partition and offsets only) and counted
 * in {@code login_state_offset_gaps_total{partition,kind}}.
 *
 * <p>Policy: below the log start, continue at the log start (default) or refuse
 * ({@code login-state.offset-gap.below-log-start}); beyond the end, always refuse: the state
 * belongs to another log, and starting afresh is an operator's decision.
 */
public final class OffsetGaps {

    private static final Logger LOG = Logger.getLogger(OffsetGaps.class);

    /** What to do when records the state never applied were deleted. */
    public enum BelowLogStart {
        /** Continue at the log start; the deleted records are missing from the state. */
        CONTINUE,
        /** Fail the partition. */
        FAIL
    }

    /**
     * Where to start applying, or why the partition must not start.
     *
     * @param startAt the offset to seek to, -1 if refused
     * @param refusal why the partition is failed instead, null if it starts
     */
    public record Decision(long startAt, String refusal) {

        public boolean refused() {
            return refusal != null;
        }
    }

    private final BelowLogStart belowLogStart;
    private final MeterRegistry registry;

    public OffsetGaps(BelowLogStart belowLogStart, MeterRegistry registry) {
        this.belowLogStart = belowLogStart;
        this.registry = registry;
    }

    /**
     * @param stored   the next offset the partition's state reflects, empty for new state
     * @param logStart the partition's first offset in Kafka
     * @param end      the partition's end offset (the offset of the next record written)
     */
    public Decision check(TopicPartition partition, OptionalLong stored, long logStart, long end) {
        if (stored.isEmpty()) {
            return new Decision(logStart, null);
        }
        long next = stored.getAsLong();
        if (next > end) {
            count(partition, "beyond_end");
            String refusal = String.format(
                    "Partition %s: offset gap beyond the end of the log: the state ends at offset %d, the log ends at %d"
                            + " (the topic was deleted and created again, or records were lost). The state belongs to"
                            + " another log: nothing is applied to it and the partition is failed. To start it afresh"
                            + " from this log, stop the deployment, delete its local state (login-state.state-dir,"
                            + " directory %s-%d) and its checkpoints of the partition in the object store, or give it a"
                            + " new login-state.checkpoint.deployment-id (see \"Offset gaps\" in the README)",
                    partition, next, end, partition.topic(), partition.partition());
            LOG.error(refusal);
            return new Decision(-1, refusal);
        }
        if (next < logStart) {
            count(partition, "below_log_start");
            String gap = String.format(
                    "Partition %s: offset gap below the log start: the state ends at offset %d, the log starts at %d;"
                            + " %d offsets were never applied (deleted by retention first)",
                    partition, next, logStart, logStart - next);
            if (belowLogStart == BelowLogStart.FAIL) {
                String refusal = gap + "; the partition is failed (login-state.offset-gap.below-log-start=fail)."
                        + " Set it to continue to go on without those records";
                LOG.error(refusal);
                return new Decision(-1, refusal);
            }
            LOG.warnf("%s; continuing at %d (login-state.offset-gap.below-log-start=continue)", gap, logStart);
            return new Decision(logStart, null);
        }
        return new Decision(next, null);
    }

    private void count(TopicPartition partition, String kind) {
        Counter.builder("login_state.offset.gaps")
                .description("Stored positions found outside their partition's log when positioning the consumer")
                .tag("partition", Integer.toString(partition.partition()))
                .tag("kind", kind)
                .register(registry)
                .increment();
    }
}
