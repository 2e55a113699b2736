package io.loginstate.processing;

import org.apache.kafka.common.TopicPartition;

/** Optional hook around each applied batch, called on the applying thread. */
public interface ProcessingObserver {

    default void batchStarted(TopicPartition partition, long firstOffset, long lastOffset) {}

    /** The batch's records went through the handler; they become durable with the next commit. */
    default void batchApplied(TopicPartition partition, long firstOffset, long lastOffset) {}

    /** Records {@code firstOffset..lastOffset} (one batch or several) were committed. */
    default void batchCommitted(TopicPartition partition, long firstOffset, long lastOffset) {}
}
