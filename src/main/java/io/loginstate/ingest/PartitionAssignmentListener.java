package io.loginstate.ingest;

import io.loginstate.processing.PartitionProcessor;
import io.loginstate.processing.ProcessorRegistry;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Opens a partition when it is assigned without holding the polling thread: the partition is
 * paused, its claim and restore run on the opening pool, and once its state is open the consumer
 * is positioned at the offset that state reflects (the beginning for new state) and resumed, on
 * the polling thread, unless that offset no longer fits the log ({@link OffsetGaps}). So a long
 * restore stalls neither the other partitions nor the group. Closes the state when the partition
 * is revoked (after a final checkpoint) or lost (without one: another member may own it already).
 */
@ApplicationScoped
@Identifier(PartitionAssignmentListener.NAME)
public class PartitionAssignmentListener implements KafkaConsumerRebalanceListener {

    public static final String NAME = "login-state-rebalance";
    private static final Logger LOG = Logger.getLogger(PartitionAssignmentListener.class);

    @Inject
    ProcessorRegistry registry;

    @Inject
    KafkaClientService clients;

    @Inject
    KafkaClusterView cluster;

    @Inject
    OffsetGaps gaps;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // The group generation is the owner epoch: every assignment of a partition gets a higher one,
        // so a checkpoint of an instance that lost the partition can never be published over ours.
        long epoch = Math.max(0, consumer.groupMetadata().generationId());
        if (partitions.isEmpty()) {
            registry.openAsync(partitions, epoch, 0);
            return;
        }
        String topic = partitions.iterator().next().topic();
        int partitionCount = consumer.partitionsFor(topic).size();
        cluster.partitionsKnown(topic, partitionCount);
        consumer.pause(partitions);
        registry.openAsync(partitions, epoch, partitionCount)
                .forEach((partition, opened) -> opened.whenComplete((processor, failure) -> {
                    if (failure == null) {
                        KafkaConsumer<Object, Object> channel = clients.getConsumer(FleetConsumerCustomizer.CHANNEL);
                        channel.runOnPollingThread((java.util.function.Consumer<Consumer<Object, Object>>)
                                        polling -> position(polling, processor))
                                .subscribe()
                                .with(
                                        done -> {},
                                        error -> LOG.errorf(error, "Partition %s could not be positioned", partition));
                    }
                }));
        LOG.infof("Assigned %s; opening them", partitions);
    }

    /**
     * On the polling thread: seeks to where the state is, lets it receive batches, resumes the
     * partition. A stored position outside the log is handled by {@link OffsetGaps}: continued at
     * the log start, or the partition is failed and stays paused.
     */
    private void position(Consumer<?, ?> consumer, PartitionProcessor processor) {
        TopicPartition partition = processor.partition();
        if (!consumer.assignment().contains(partition)) {
            registry.activate(processor, 0); // revoked meanwhile: closes it
            return;
        }
        long logStart = consumer.beginningOffsets(List.of(partition)).get(partition);
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        OffsetGaps.Decision decision = gaps.check(partition, processor.nextOffset(), logStart, end);
        if (decision.refused()) {
            processor.refuse(new OffsetGapException(decision.refusal()));
            // Registered failed (liveness, /partitions), and left paused: nothing reaches the state.
            registry.activate(processor, logStart);
            return;
        }
        consumer.seek(partition, decision.startAt());
        processor.catchUpTo(end);
        if (registry.activate(processor, decision.startAt())) {
            consumer.resume(List.of(partition));
            LOG.infof("Partition %s: processing from offset %d", partition, decision.startAt());
        }
    }

    /**
     * A revocation, or a loss in disguise: SmallRye's listener wrapper implements Kafka's
     * {@code ConsumerRebalanceListener} without {@code onPartitionsLost}, whose default calls
     * {@code onPartitionsRevoked}, so a loss arrives here too. Kafka's own call says which it is;
     * the consumer does not (its group metadata keeps the last generation after a loss), so the
     * calling frames are asked. Lost partitions close without a final checkpoint.
     */
    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty() && calledForLoss()) {
            onPartitionsLost(consumer, partitions);
            return;
        }
        if (!partitions.isEmpty()) {
            LOG.infof("Revoked %s", partitions);
        }
        registry.close(partitions);
    }

    /** True if Kafka is reporting lost partitions: {@code onPartitionsLost} is on the calling stack. */
    static boolean calledForLoss() {
        return StackWalker.getInstance()
                .walk(frames -> frames.anyMatch(frame -> frame.getMethodName().equals("onPartitionsLost")
                        && frame.getClassName().equals(ConsumerRebalanceListener.class.getName())));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        LOG.warnf("Lost %s (the group membership expired); closing them without a final checkpoint", partitions);
        registry.closeLost(partitions);
    }
}
