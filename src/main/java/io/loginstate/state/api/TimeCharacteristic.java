package io.loginstate.state.api;

/** Which time TTL is measured in. */
public enum TimeCharacteristic {
    /** The wall clock of the processing instance. */
    PROCESSING_TIME,
    /** The event timestamps of the input: entries are stamped with their record's time, the watermark expires them. */
    EVENT_TIME
}
