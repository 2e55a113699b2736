package io.loginstate.state.ttl;

/** A user value with the timestamp its TTL counts from (last access, or event time of the write). */
public record TtlValue<T>(T value, long stamp) {}
