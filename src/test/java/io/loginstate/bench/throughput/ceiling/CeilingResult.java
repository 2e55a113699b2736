package io.loginstate.bench.throughput.ceiling;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the counting run hands back to the benchmark across the process boundary, as one line of text.
 *
 * @param counted  records seen by the handler
 * @param measured records after the first batch, the ones the time covers
 * @param nanos    from the first batch to the batch holding the last record
 */
public record CeilingResult(long counted, long measured, long nanos) {

    public double rate() {
        return nanos == 0 ? Double.NaN : measured / (nanos / 1e9);
    }

    void writeTo(Path file) {
        try {
            Files.writeString(
                    file, String.format(Locale.ROOT, "%d %d %d%n", counted, measured, nanos), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CeilingResult readFrom(Path file) {
        try {
            String[] fields =
                    Files.readString(file, StandardCharsets.UTF_8).trim().split(" ");
            return new CeilingResult(Long.parseLong(fields[0]), Long.parseLong(fields[1]), Long.parseLong(fields[2]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
