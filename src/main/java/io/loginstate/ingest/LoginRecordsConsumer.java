package io.loginstate.ingest;

import io.loginstate.processing.ProcessorRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Receives polled batches of login records and hands each partition's slice to its processor.
 * Batches, not single records: the hand-off cost is paid once per poll.
 */
@ApplicationScoped
public class LoginRecordsConsumer {

    @Inject
    ProcessorRegistry registry;

    @Incoming("logins")
    public CompletionStage<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        return registry.dispatch(records);
    }
}
