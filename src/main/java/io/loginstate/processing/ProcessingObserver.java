package io.loginstate.processing;

import org.apache.kafka.common.TopicPartition;

/** Optional hook around each applied batch, called on the applying thread. */
public interface ProcessingObserver {

    default void batchStarted(TopicPartition partition, long firstOffset, long lastOffset) {}

    default void batchCommitted(TopicPartition partition, long firstOffset, long lastOffset) {}
}
