package io.loginstate.ingest;

import io.loginstate.checkpoint.OffsetCommitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Commits a published checkpoint's offset to the consumer group, on the consumer's polling thread,
 * so lag tools (kafka-consumer-groups, Burrow, exporters) see durable progress. Restore never reads
 * these offsets: the manifest is the truth, so a failed commit only makes lag look larger.
 */
@ApplicationScoped
public class ConsumerGroupOffsetCommitter implements OffsetCommitter {

    private static final Logger LOG = Logger.getLogger(ConsumerGroupOffsetCommitter.class);

    @Inject
    KafkaClientService clients;

    @Override
    public void commit(TopicPartition partition, long nextOffset) {
        KafkaConsumer<Object, Object> consumer;
        try {
            consumer = clients.getConsumer("logins");
        } catch (RuntimeException e) {
            return;
        }
        if (consumer == null) {
            return;
        }
        consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(nextOffset)))
                .subscribe()
                .with(
                        done -> LOG.tracef("Committed %s at %d", partition, nextOffset),
                        failure -> LOG.debugf(
                                "Offset commit of %s at %d failed: %s", partition, nextOffset, failure.toString()));
    }
}
