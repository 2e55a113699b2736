package io.loginstate.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** How the commands show numbers, times and tables to a person. */
final class Text {

    private Text() {}

    /** 1536 → {@code 1.5 KiB}. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format("%.1f %s", value, units[unit]);
    }

    /** The time since {@code then}, in its two largest units: {@code 3m 12s}, {@code 2d 5h}. */
    static String age(Instant then, Instant now) {
        if (then == null) {
            return "-";
        }
        Duration age = Duration.between(then, now);
        if (age.isNegative()) {
            return "in " + age(now, then);
        }
        long seconds = age.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m " + seconds % 60 + "s";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
        }
        return seconds / 86_400 + "d " + seconds % 86_400 / 3600 + "h";
    }

    /** An event-time watermark in milliseconds: ISO-8601, or {@code -} before the first event. */
    static String watermark(Long millis) {
        if (millis == null) {
            return "-";
        }
        try {
            return Instant.ofEpochMilli(millis).toString();
        } catch (RuntimeException e) {
            return millis + " ms";
        }
    }

    /** Rows printed in columns as wide as their widest cell, the first row being the header if there is one. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        /** @param header the first row; none for a table without one */
        Table(String... header) {
            if (header.length > 0) {
                rows.add(header);
            }
        }

        void add(Object... cells) {
            String[] row = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                row[i] = cells[i] == null ? "-" : cells[i].toString();
            }
            rows.add(row);
        }

        void print(PrintWriter out, String indent) {
            int columns = rows.stream().mapToInt(row -> row.length).max().orElse(0);
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder(indent);
                for (int i = 0; i < row.length; i++) {
                    line.append(i == row.length - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
                }
                out.println(line.toString().stripTrailing());
            }
        }
    }
}
