package io.loginstate.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.util.function.Function;

/**
 * Indented JSON records that carry their own CRC-32C (manifests of checkpoints and savepoints): the
 * checksum is of the record's canonical JSON (Jackson's output, fields in declaration order, map
 * keys sorted, indented) written with the checksum field null. A reader parses the object
 * (refusing trailing content), writes it again canonically with the checksum null and compares,
 * so a flipped bit anywhere, a cut or a deleted line is refused instead of read as another record.
 */
public final class ChecksummedJson {

    /** The canonical mapper: what the checksums are computed over. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ChecksummedJson() {}

    /** The canonical JSON of {@code value}. */
    public static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * The JSON to store: {@code withChecksum.apply(null)} written, then {@code withChecksum} of its
     * CRC-32C written.
     */
    public static <T> byte[] withChecksum(Function<String, T> withChecksum) {
        return write(withChecksum.apply(Crc32c.of(write(withChecksum.apply(null)))));
    }

    /** Parses {@code bytes} as {@code type}; an unreadable document is an {@link IllegalArgumentException}. */
    public static <T> T read(byte[] bytes, Class<T> type, String what) {
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("Not a " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * The CRC-32C the parsed record's content has, to compare with the checksum it carries:
     * {@code withoutChecksum} is the record with its checksum field null.
     */
    public static String checksumOf(Object withoutChecksum) {
        return Crc32c.of(write(withoutChecksum));
    }
}
