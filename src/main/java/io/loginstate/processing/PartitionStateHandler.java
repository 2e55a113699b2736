package io.loginstate.processing;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The application logic of one partition: turns records into changes of its keyed state. */
public interface PartitionStateHandler {

    /**
     * Applies {@code records} in order through the partition's keyed state, reporting every record
     * that is not applied to {@code outcome}: rejected (dead-lettered) or dropped (counted).
     * Nothing is durable until the processor commits; a batch that is not committed is rolled back
     * in the keyed state, so a handler keeps no state of its own.
     */
    void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, BatchOutcome outcome);
}
