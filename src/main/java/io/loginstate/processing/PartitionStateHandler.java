package io.loginstate.processing;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;

/** The application logic of one partition: turns records into changes of its keyed state. */
public interface PartitionStateHandler {

    /**
     * Applies {@code records} in order through the partition's keyed state, adding every record
     * that cannot be applied to {@code rejections}. Nothing is durable until the processor commits.
     */
    void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, List<Rejection> rejections);

    /** Forgets in-memory state of a batch that was not committed. */
    void discardUncommitted();
}
