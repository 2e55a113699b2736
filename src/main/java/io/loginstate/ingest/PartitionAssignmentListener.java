package io.loginstate.ingest;

import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Opens a partition's state when it is assigned (claiming it and restoring its latest checkpoint)
 * and positions the consumer at the offset that state reflects (the beginning for new state);
 * closes the state when the partition is revoked (after a final checkpoint) or lost (without one). Runs on the polling thread, so the seek happens before any record of the partition is
 * fetched.
 */
@ApplicationScoped
@Identifier(PartitionAssignmentListener.NAME)
public class PartitionAssignmentListener implements KafkaConsumerRebalanceListener {

    public static final String NAME = "login-state-rebalance";
    private static final Logger LOG = Logger.getLogger(PartitionAssignmentListener.class);

    @Inject
    ProcessorRegistry registry;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // The group generation is the owner epoch: every assignment of a partition gets a higher one,
        // so a checkpoint of an instance that lost the partition can never be published over ours.
        long epoch = Math.max(0, consumer.groupMetadata().generationId());
        for (PartitionProcessor processor : registry.open(partitions, epoch)) {
            TopicPartition partition = processor.partition();
            if (processor.nextOffset().isPresent()) {
                consumer.seek(partition, processor.nextOffset().getAsLong());
            } else {
                consumer.seekToBeginning(List.of(partition));
            }
        }
        if (!partitions.isEmpty()) {
            LOG.infof("Assigned %s", partitions);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            LOG.infof("Revoked %s", partitions);
        }
        registry.close(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        LOG.warnf("Lost %s", partitions);
        registry.closeLost(partitions);
    }
}
