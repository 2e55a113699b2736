package io.loginstate.processing;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record the application could not apply, with a reason code and a human-readable message; for
 * a record whose processing kept failing, the class of the exception (null otherwise).
 */
public record Rejection(ConsumerRecord<byte[], byte[]> record, String reason, String message, String exceptionClass) {

    public Rejection(ConsumerRecord<byte[], byte[]> record, String reason, String message) {
        this(record, reason, message, null);
    }
}
