package io.loginstate.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint taken but not yet durable: a RocksDB checkpoint directory (hard links to the live
 * files) and the position and watermark it reflects.
 *
 * @param watermark the event-time watermark, or {@code null} before the first event
 */
public record LocalCheckpoint(long checkpointId, Path directory, long offset, Long watermark) {
}
