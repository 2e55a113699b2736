package io.loginstate.checkpoint;

import org.apache.kafka.common.TopicPartition;

/**
 * Tells the consumer group how far a partition is durably processed, once its checkpoint is
 * published, so standard lag tools work. Best effort: restore never reads it.
 */
@FunctionalInterface
public interface OffsetCommitter {

    OffsetCommitter NONE = (partition, nextOffset) -> {};

    void commit(TopicPartition partition, long nextOffset);
}
