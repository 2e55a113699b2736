package io.loginstate.login;

/** Names of the login application's tables in each partition store. */
final class LoginStateTables {

    static final String USERS = "users";

    private LoginStateTables() {
    }
}
