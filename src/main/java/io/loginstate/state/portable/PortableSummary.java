package io.loginstate.state.portable;

/**
 * What a finished portable file holds: its record count, its size in bytes and the CRC-32C of all
 * its data payloads (raw, in order), as its trailer states.
 */
public record PortableSummary(long records, long bytes, String dataCrc32c) {}
