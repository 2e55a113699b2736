package io.loginstate.processing;

import io.loginstate.state.StoreWriteBatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;

/** The application logic of one partition: turns records into staged state writes. */
public interface PartitionStateHandler {

    /**
     * Applies {@code records} in order, staging every state change in {@code writes} and adding
     * every record that cannot be applied to {@code rejections}. Nothing is durable until the
     * processor commits {@code writes}.
     */
    void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, StoreWriteBatch writes, List<Rejection> rejections);

    /** Forgets in-memory state of a batch that was not committed. */
    void discardUncommitted();
}
