package io.loginstate.query;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The JSON body of every error answer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String message, Integer partition) {

    public static ApiError of(String error, String message) {
        return new ApiError(error, message, null);
    }
}
