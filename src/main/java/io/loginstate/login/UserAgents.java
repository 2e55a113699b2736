package io.loginstate.login;

import java.nio.charset.StandardCharsets;

/** Devices are identified by a hash of the user agent, so the raw user agent is never stored. */
public final class UserAgents {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private UserAgents() {}

    /** 64-bit FNV-1a of the user agent's UTF-8 bytes. */
    public static long hash(String userAgent) {
        long hash = FNV_OFFSET;
        for (byte b : userAgent.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xFF;
            hash *= FNV_PRIME;
        }
        return hash;
    }

    /** As {@link #hash(String)}, for {@code [offset, offset + length)} of {@code chars}; no allocation for ASCII. */
    public static long hash(char[] chars, int offset, int length) {
        long hash = FNV_OFFSET;
        for (int i = offset; i < offset + length; i++) {
            char c = chars[i];
            if (c >= 0x80) {
                return hash(new String(chars, offset, length));
            }
            hash ^= c;
            hash *= FNV_PRIME;
        }
        return hash;
    }

    public static String hex(long hash) {
        return String.format("%016x", hash);
    }
}
