package io.loginstate.ingest;

import io.loginstate.processing.Rejection;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the dead letter of a rejected record so that it always fits a byte budget: the original
 * key, value and headers, plus headers naming the reason and the source position. What does not
 * fit is cut, and a header gives the original size: the key beyond {@link #MAX_KEY_BYTES}, the
 * original headers beyond a quarter of the budget, then the value to what is left.
 */
final class DeadLetterRecords {

    static final String REASON = "dlq.reason";
    static final String MESSAGE = "dlq.message";
    static final String SOURCE_TOPIC = "dlq.source.topic";
    static final String SOURCE_PARTITION = "dlq.source.partition";
    static final String SOURCE_OFFSET = "dlq.source.offset";
    static final String EXCEPTION = "dlq.exception";
    static final String VALUE_TRUNCATED_FROM = "dlq.value.truncated-from";
    static final String KEY_TRUNCATED_FROM = "dlq.key.truncated-from";
    static final String HEADERS_TRUNCATED_FROM = "dlq.headers.truncated-from";

    /** Smallest budget accepted: the service's own headers and a useful part of the record. */
    static final int MIN_BUDGET = 16 * 1024;
    /** A valid key (a user id of at most 256 characters) is at most 1 KiB; longer ones are cut. */
    static final int MAX_KEY_BYTES = 4 * 1024;
    /** Human-readable messages are cut to this many bytes. */
    static final int MAX_MESSAGE_BYTES = 1024;
    /** Record and batch framing, and the service's own headers, with room to spare. */
    private static final int OVERHEAD_BYTES = 4 * 1024;
    /** Framing of one header (varint lengths, attributes), counted generously. */
    private static final int HEADER_OVERHEAD = 16;

    private DeadLetterRecords() {}

    /** The dead letter of {@code rejection} for {@code topic}, at most {@code budget} bytes in Kafka's record format. */
    static ProducerRecord<byte[], byte[]> of(String topic, Rejection rejection, int budget) {
        if (budget < MIN_BUDGET) {
            throw new IllegalArgumentException("A dead letter needs at least " + MIN_BUDGET + " bytes, not " + budget);
        }
        ConsumerRecord<byte[], byte[]> source = rejection.record();
        RecordHeaders headers = new RecordHeaders();
        byte[] key = source.key();
        if (key != null && key.length > MAX_KEY_BYTES) {
            headers.add(KEY_TRUNCATED_FROM, utf8(Integer.toString(key.length)));
            key = Arrays.copyOf(key, MAX_KEY_BYTES);
        }
        int headerBytes = copyHeaders(source, headers, budget / 4);
        headers.add(REASON, utf8(rejection.reason()));
        headers.add(MESSAGE, cut(utf8(rejection.message()), MAX_MESSAGE_BYTES));
        headers.add(SOURCE_TOPIC, utf8(source.topic()));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        if (rejection.exceptionClass() != null) {
            headers.add(EXCEPTION, cut(utf8(rejection.exceptionClass()), MAX_MESSAGE_BYTES));
        }
        byte[] value = source.value();
        int room = budget - OVERHEAD_BYTES - (key == null ? 0 : key.length) - headerBytes;
        if (value != null && value.length > room) {
            headers.add(VALUE_TRUNCATED_FROM, utf8(Integer.toString(value.length)));
            value = Arrays.copyOf(value, room);
        }
        return new ProducerRecord<>(topic, null, null, key, value, headers);
    }

    /** Copies the source's headers in order while they fit {@code budget}; returns the bytes copied. */
    private static int copyHeaders(ConsumerRecord<byte[], byte[]> source, RecordHeaders target, int budget) {
        long original = 0;
        for (Header header : source.headers()) {
            original += size(header.key(), header.value());
        }
        if (original <= budget) {
            source.headers().forEach(target::add);
            return (int) original;
        }
        int used = 0;
        for (Header header : source.headers()) {
            int keyBytes = utf8(header.key()).length + HEADER_OVERHEAD;
            int left = budget - used - keyBytes;
            if (keyBytes > MAX_KEY_BYTES || left < 0) {
                break;
            }
            byte[] value = header.value() == null ? null : cut(header.value(), left);
            target.add(header.key(), value);
            used += keyBytes + (value == null ? 0 : value.length);
        }
        target.add(HEADERS_TRUNCATED_FROM, utf8(Long.toString(original)));
        return used;
    }

    private static long size(String key, byte[] value) {
        return utf8(key).length + (value == null ? 0 : value.length) + HEADER_OVERHEAD;
    }

    private static byte[] cut(byte[] bytes, int max) {
        return bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
