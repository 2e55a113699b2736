package io.loginstate.login;

/**
 * A parsed, valid login event (its user is the record key). {@code timestamp} is in epoch
 * milliseconds; {@code device} is the hash of the user agent ({@link UserAgents#hash}), when
 * {@code hasDevice}.
 */
public record LoginEvent(long timestamp, boolean success, boolean hasDevice, long device) implements LoginInput {}
