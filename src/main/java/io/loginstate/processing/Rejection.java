package io.loginstate.processing;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A record the application could not apply, with a reason code and a human-readable message. */
public record Rejection(ConsumerRecord<byte[], byte[]> record, String reason, String message) {}
