package io.loginstate.processing;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Counts the records whose key the configured partitioner places on another partition: queries
 * are routed by that partitioner, so such records mean the producers use another one (a librdkafka
 * client's CRC-32 against Java's murmur2, say). Logged once per partition, with the fix.
 */
final class PlacementCheck {

    private static final Logger LOG = Logger.getLogger(PlacementCheck.class);

    private final TopicPartition partition;
    private final KeyPartitioner partitioner;
    private final int partitions;
    private final ProcessingMetrics.PartitionMeters meters;
    private boolean warned;

    /** @param partitions the topic's partition count; 0 turns the check off */
    PlacementCheck(
            TopicPartition partition,
            KeyPartitioner partitioner,
            int partitions,
            ProcessingMetrics.PartitionMeters meters) {
        this.partition = partition;
        this.partitioner = partitioner;
        this.partitions = partitions;
        this.meters = meters;
    }

    /** Checks the records from {@code fromOffset} on (the ones below were checked when first applied). */
    void check(List<ConsumerRecord<byte[], byte[]>> records, long fromOffset) {
        if (partitions <= 0) {
            return;
        }
        int misplaced = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.offset() >= fromOffset
                    && record.key() != null
                    && partitioner.partition(record.key(), partitions) != partition.partition()) {
                misplaced++;
            }
        }
        if (misplaced == 0) {
            return;
        }
        meters.misplaced(misplaced);
        if (!warned) {
            warned = true;
            LOG.warnf(
                    "Partition %s receives records whose keys the %s partitioner places on other partitions: the "
                            + "producers use another partitioner, so queries for those users go to the wrong partition. "
                            + "Set login-state.partitioner to the producers' one (crc32 for librdkafka clients such as "
                            + "kcat, Go, Python, .NET, Node; murmur2 for Java clients), or make the producers use %s. "
                            + "Counted in login_state_records_misplaced_total.",
                    partition, partitioner.settingName(), partitioner.settingName());
        }
    }
}
