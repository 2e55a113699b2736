package io.loginstate.login;

/**
 * Fast path for the common UTC form {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} (years 1970-9999),
 * which {@code java.time} parses an order of magnitude slower. Every field is checked: digits
 * only, month, day of month (leap years included), hour, minute, second and a fraction of 1 to 9
 * digits. Anything else, including offsets, returns {@link #NOT_HANDLED} and is left to
 * {@code java.time}, so the fast path never accepts what {@code java.time} would refuse.
 */
final class IsoInstants {

    static final long NOT_HANDLED = Long.MIN_VALUE;
    private static final int[] DAYS_IN_MONTH = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private IsoInstants() {}

    static long parseUtcMillis(String text) {
        return parseUtcMillis(text.toCharArray(), 0, text.length());
    }

    /** As {@link #parseUtcMillis(String)}, for the characters {@code [offset, offset + length)} of {@code chars}. */
    static long parseUtcMillis(char[] chars, int offset, int length) {
        CharView text = new CharView(chars, offset);
        if (length < 20
                || text.charAt(length - 1) != 'Z'
                || text.charAt(4) != '-'
                || text.charAt(7) != '-'
                || text.charAt(10) != 'T'
                || text.charAt(13) != ':'
                || text.charAt(16) != ':') {
            return NOT_HANDLED;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        // digits() answers -1 for anything but digits, so every lower bound also rejects non-digits.
        if (year < 1970
                || month < 1
                || month > 12
                || day < 1
                || day > DAYS_IN_MONTH[month - 1]
                || (month == 2 && day == 29 && !isLeap(year))
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return NOT_HANDLED;
        }
        int millis = 0;
        if (length > 20) {
            // Fraction: '.' then 1..9 digits; milliseconds are its first three digits.
            if (text.charAt(19) != '.' || length - 21 < 1 || length - 21 > 9) {
                return NOT_HANDLED;
            }
            int fractionDigits = length - 21;
            int fraction = digits(text, 20, fractionDigits);
            if (fraction < 0) {
                return NOT_HANDLED;
            }
            for (int i = fractionDigits; i < 3; i++) {
                fraction *= 10;
            }
            for (int i = fractionDigits; i > 3; i--) {
                fraction /= 10;
            }
            millis = fraction;
        } else if (length != 20) {
            return NOT_HANDLED;
        }
        long days = daysFromCivil(year, month, day);
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    /** Digits at [from, from+count) as a number, or -1 if any is not a digit. */
    private static int digits(CharView text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean isLeap(int year) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (era-based civil-to-days algorithm). */
    private static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = y / 400;
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468L;
    }

    /** Characters of an array from an offset, read by index as in a string. */
    private record CharView(char[] chars, int offset) {
        char charAt(int index) {
            return chars[offset + index];
        }
    }
}
