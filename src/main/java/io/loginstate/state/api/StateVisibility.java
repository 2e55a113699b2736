package io.loginstate.state.api;

/** Whether an expired entry that is still stored may be returned. */
public enum StateVisibility {
    NEVER_RETURN_EXPIRED,
    /** Returned once by a read that finds it; the read also removes it. */
    RETURN_EXPIRED_IF_NOT_CLEANED_UP
}
