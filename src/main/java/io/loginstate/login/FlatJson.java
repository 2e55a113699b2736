package io.loginstate.login;

/**
 * A scanner for the plain shape nearly every event has: one JSON object whose values are ASCII
 * strings without escapes, integers or {@code null}. It reads the record's bytes once, copies them
 * into a reused character buffer and records where each field's name and value are; it builds no
 * parser, context or string. Anything outside that shape (escapes, other characters, nested
 * values, booleans, fractions, very long numbers, leading zeros, a byte order mark, text after the
 * object) is not handled: {@link #scan} answers false and the caller parses the value with a full
 * JSON parser instead. So what this scanner accepts is valid JSON, and its reading of it is the
 * full parser's. One instance per partition: not for concurrent use.
 */
final class FlatJson {

    /** Kinds of value; a string's characters are at {@link #valueStart}, {@link #valueLength}. */
    static final int STRING = 0;

    static final int INTEGER = 1;
    static final int NULL = 2;
    /** Kinds only a full parser reports: an integer beyond a long, and anything else (booleans, fractions, objects, arrays). */
    static final int LARGE_INTEGER = 3;

    static final int OTHER = 4;

    /** Longest integer read here; a longer one, which may not fit a long, is left to the full parser. */
    private static final int MAX_INTEGER_DIGITS = 18;

    private static final int MAX_FIELDS = 32;

    private char[] chars = new char[256];
    private int fields;
    private final int[] nameStart = new int[MAX_FIELDS];
    private final int[] nameLength = new int[MAX_FIELDS];
    private final int[] kind = new int[MAX_FIELDS];
    private final int[] valueStart = new int[MAX_FIELDS];
    private final int[] valueLength = new int[MAX_FIELDS];
    private final long[] integer = new long[MAX_FIELDS];

    /** Reads {@code value}; false if it is not of the plain shape (nothing is then known of it). */
    boolean scan(byte[] value) {
        int length = value.length;
        if (chars.length < length) {
            chars = new char[Math.max(length, chars.length * 2)];
        }
        char[] text = chars;
        for (int i = 0; i < length; i++) {
            byte b = value[i];
            if (b < 0x20 ? b != '\t' && b != '\n' && b != '\r' : b == 0x7F) {
                return false; // control characters and anything beyond ASCII (negative bytes): the full parser decides
            }
            text[i] = (char) b;
        }
        fields = 0;
        int at = skipSpace(text, 0, length);
        if (at == length || text[at] != '{') {
            return false;
        }
        at = skipSpace(text, at + 1, length);
        if (at < length && text[at] == '}') {
            return skipSpace(text, at + 1, length) == length;
        }
        while (true) {
            if (fields == MAX_FIELDS || at == length || text[at] != '"') {
                return false;
            }
            int nameEnd = stringEnd(text, at + 1, length);
            if (nameEnd < 0) {
                return false;
            }
            nameStart[fields] = at + 1;
            nameLength[fields] = nameEnd - at - 1;
            at = skipSpace(text, nameEnd + 1, length);
            if (at == length || text[at] != ':') {
                return false;
            }
            at = skipSpace(text, at + 1, length);
            at = value(text, at, length);
            if (at < 0) {
                return false;
            }
            fields++;
            at = skipSpace(text, at, length);
            if (at == length) {
                return false;
            }
            if (text[at] == '}') {
                return skipSpace(text, at + 1, length) == length;
            }
            if (text[at] != ',') {
                return false;
            }
            at = skipSpace(text, at + 1, length);
        }
    }

    /** Reads the value of field {@link #fields} at {@code at}; the index after it, or -1. */
    private int value(char[] text, int at, int length) {
        if (at == length) {
            return -1;
        }
        char c = text[at];
        int field = fields;
        if (c == '"') {
            int end = stringEnd(text, at + 1, length);
            if (end < 0) {
                return -1;
            }
            kind[field] = STRING;
            valueStart[field] = at + 1;
            valueLength[field] = end - at - 1;
            return end + 1;
        }
        if (c == 'n') {
            if (at + 4 > length || text[at + 1] != 'u' || text[at + 2] != 'l' || text[at + 3] != 'l') {
                return -1;
            }
            kind[field] = NULL;
            return delimited(text, at + 4, length) ? at + 4 : -1;
        }
        boolean negative = c == '-';
        int first = negative ? at + 1 : at;
        int end = first;
        long number = 0;
        while (end < length && text[end] >= '0' && text[end] <= '9') {
            number = number * 10 + (text[end] - '0');
            end++;
        }
        int digits = end - first;
        // "-0" and leading zeros go to the full parser, which has its own rules for them.
        if (digits == 0
                || digits > MAX_INTEGER_DIGITS
                || (text[first] == '0' && (digits > 1 || negative))
                || !delimited(text, end, length)) {
            return -1;
        }
        kind[field] = INTEGER;
        integer[field] = negative ? -number : number;
        return end;
    }

    /** The index of the quote closing a string whose characters start at {@code from}, or -1 (escapes: not handled). */
    private static int stringEnd(char[] text, int from, int length) {
        for (int i = from; i < length; i++) {
            char c = text[i];
            if (c == '"') {
                return i;
            }
            if (c == '\\' || c < 0x20) {
                return -1;
            }
        }
        return -1;
    }

    /** Whether a literal or number may end before {@code at}: at the end, white space, a comma or the closing brace. */
    private static boolean delimited(char[] text, int at, int length) {
        if (at == length) {
            return true;
        }
        char c = text[at];
        return c == ',' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static int skipSpace(char[] text, int at, int length) {
        while (at < length) {
            char c = text[at];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return at;
            }
            at++;
        }
        return at;
    }

    int fields() {
        return fields;
    }

    /** The characters of the last value scanned. */
    char[] chars() {
        return chars;
    }

    /** Whether field {@code field}'s name is {@code name}. */
    boolean nameIs(int field, String name) {
        int length = nameLength[field];
        if (length != name.length()) {
            return false;
        }
        int start = nameStart[field];
        for (int i = 0; i < length; i++) {
            if (chars[start + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    int kind(int field) {
        return kind[field];
    }

    int valueStart(int field) {
        return valueStart[field];
    }

    int valueLength(int field) {
        return valueLength[field];
    }

    long integer(int field) {
        return integer[field];
    }
}
