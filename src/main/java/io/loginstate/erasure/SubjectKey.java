package io.loginstate.erasure;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The only form in which a receipt names a user: the HMAC-SHA256 of the user id (its UTF-8 bytes)
 * keyed with {@code login-state.erasure.subject-key}, as 64 lowercase hex digits. Whoever holds the
 * key and an id can compute the subject and find the receipt; the receipt alone reveals nothing.
 */
public final class SubjectKey {

    /** Shortest key accepted: a shorter secret could be guessed from a receipt and a list of ids. */
    public static final int MIN_KEY_LENGTH = 16;

    private static final String ALGORITHM = "HmacSHA256";
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private final SecretKeySpec key;

    private SubjectKey(byte[] secret) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
    }

    /**
     * The key from its configured text.
     *
     * @throws IllegalArgumentException if it is shorter than {@link #MIN_KEY_LENGTH} characters
     */
    public static SubjectKey of(String secret) {
        if (secret == null || secret.strip().length() < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "login-state.erasure.subject-key must be at least " + MIN_KEY_LENGTH + " characters");
        }
        return new SubjectKey(secret.strip().getBytes(StandardCharsets.UTF_8));
    }

    /** The subject of {@code userId}: hex HMAC-SHA256 of its UTF-8 bytes. */
    public String subject(String userId) {
        return subject(userId.getBytes(StandardCharsets.UTF_8));
    }

    /** The subject of a user key (the record key's bytes). */
    public String subject(byte[] userKey) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(userKey));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /**
     * The erasure id of a request for {@code subject} at {@code requestedAt}: the UTC day and the
     * subject's first 24 hex digits, so a repeated request for the same user on the same day names
     * the same erasure (and is answered with its receipt instead of being recorded again).
     */
    public static String erasureId(String subject, Instant requestedAt) {
        return DAY.format(requestedAt) + "-" + subject.substring(0, 24);
    }
}
