package io.loginstate.login;

/** A parsed, valid login event. {@code timestamp} is in epoch milliseconds. */
public record LoginEvent(String userId, long timestamp, boolean success) {
}
