package io.loginstate.login;

/**
 * One valid record of the input topic: a login event, or a command to erase the user (both keyed
 * by the user id).
 */
public sealed interface LoginInput permits LoginEvent, EraseCommand {}
