package io.loginstate.objectstore;

import java.nio.charset.StandardCharsets;

/**
 * The one key syntax every store accepts, so a key valid on one store is valid on all: segments
 * separated by '/', none empty, none starting with '.' (this also excludes "." and ".."; names
 * starting with '.' are left to the stores for their own files), no '\' or control characters, at
 * most 255 UTF-8 bytes per segment (a file name) and 1024 per key (an S3 key).
 */
public final class ObjectKeys {

    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_SEGMENT_BYTES = 255;

    private ObjectKeys() {}

    /** Returns {@code key} if it is valid, else throws {@link IllegalArgumentException} saying why. */
    public static String requireValid(String key) {
        String problem = problem(key);
        if (problem != null) {
            throw new IllegalArgumentException("Invalid object key '" + key + "': " + problem);
        }
        return key;
    }

    /** Returns {@code prefix} if some valid key can start with it ({@code ""} included). */
    public static String requireValidPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("Invalid object key prefix: null");
        }
        // A prefix that ends mid-segment or on a '/' is valid exactly when completing it is.
        if (!prefix.isEmpty() && problem(prefix + "x") != null) {
            throw new IllegalArgumentException("Invalid object key prefix '" + prefix + "': " + problem(prefix + "x"));
        }
        return prefix;
    }

    private static String problem(String key) {
        if (key == null || key.isEmpty()) {
            return "empty";
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return "longer than " + MAX_KEY_BYTES + " bytes";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return "contains '\\' or a control character";
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                return "has an empty segment (leading, trailing or double '/')";
            }
            if (segment.charAt(0) == '.') {
                return "has a segment starting with '.'";
            }
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "has a segment longer than " + MAX_SEGMENT_BYTES + " bytes";
            }
        }
        return null;
    }
}
