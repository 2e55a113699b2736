package io.loginstate.ingest;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An instance of the fleet: its id and where the others reach its HTTP API.
 *
 * @param url the advertised URL, e.g. {@code http://login-state-0.login-state-peers:8080}
 */
public record FleetMember(String id, URI url) {

    public FleetMember {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
    }

    void writeTo(ByteBuffer buffer) {
        writeString(buffer, id);
        writeString(buffer, url.toString());
    }

    int encodedSize() {
        return 8 + utf8(id).length + utf8(url.toString()).length;
    }

    static FleetMember readFrom(ByteBuffer buffer) {
        return new FleetMember(readString(buffer), URI.create(readString(buffer)));
    }

    private static void writeString(ByteBuffer buffer, String text) {
        byte[] bytes = utf8(text);
        buffer.putInt(bytes.length);
        buffer.put(bytes);
    }

    private static String readString(ByteBuffer buffer) {
        int length = buffer.getInt();
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("Corrupt fleet member data");
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
