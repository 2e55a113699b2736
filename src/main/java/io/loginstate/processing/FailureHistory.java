package io.loginstate.processing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jboss.logging.Logger;

/**
 * How often a partition failed in a row at the same offset, kept beside its state so that it
 * survives the restart a failure asks for: a failure that comes back at the same offset after a
 * restart is not one a restart cures. A commit past that offset clears it.
 */
public final class FailureHistory {

    private static final Logger LOG = Logger.getLogger(FailureHistory.class);

    private final Path file;
    private long offset = -1;
    private int inARow;

    private FailureHistory(Path file) {
        this.file = file;
    }

    /** Kept in memory only (tests, and partitions without a state directory). */
    public static FailureHistory inMemory() {
        return new FailureHistory(null);
    }

    /** Kept in {@code file} (read now; written on a failure, deleted once the partition moves past it). */
    public static FailureHistory at(Path file) {
        FailureHistory history = new FailureHistory(file);
        try {
            if (Files.exists(file)) {
                String[] fields =
                        Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
                history.inARow = Integer.parseInt(fields[0]);
                history.offset = Long.parseLong(fields[1]);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Ignoring an unreadable failure record %s (%s)", file, e.toString());
        }
        return history;
    }

    /** Notes a failure at {@code nextOffset}; returns how often it failed there in a row, this time included. */
    synchronized int failed(long nextOffset) {
        inARow = nextOffset == offset ? inARow + 1 : 1;
        offset = nextOffset;
        if (file != null) {
            try {
                Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
                Files.createDirectories(file.getParent());
                Files.writeString(temporary, inARow + " " + offset + "\n", StandardCharsets.US_ASCII);
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.warnf("Cannot record the failure in %s (%s)", file, e.toString());
            }
        }
        return inARow;
    }

    /** After a commit up to {@code nextOffset}: a failure before it is history. */
    synchronized void committed(long nextOffset) {
        if (inARow > 0 && nextOffset > offset) {
            inARow = 0;
            offset = -1;
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** Failures in a row at the same offset so far (0 after a commit past it). */
    synchronized int inARow() {
        return inARow;
    }
}
