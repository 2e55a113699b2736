package io.loginstate.processing;

import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the log of an input partition ends, as last learned from the brokers. Read by the lag
 * gauge at scrape time, so it must answer at once and never wait for Kafka.
 */
@FunctionalInterface
public interface EndOffsets {

    /** Knows nothing: the lag gauge reads NaN. */
    EndOffsets NONE = partition -> OptionalLong.empty();

    /** The last known end offset (the offset the next record will get), empty if none is known yet. */
    OptionalLong endOffset(TopicPartition partition);
}
