package io.loginstate.login;

/**
 * A parsed, valid login event. {@code timestamp} is in epoch milliseconds; {@code userAgent} is
 * null when the event has none.
 */
public record LoginEvent(String userId, long timestamp, boolean success, String userAgent) {}
