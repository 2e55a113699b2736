package io.loginstate.state.portable;

/** A portable state file that is damaged, cut short or not one at all; the message names the file. */
public final class PortableFormatException extends RuntimeException {

    public PortableFormatException(String source, String problem) {
        super(source + ": " + problem);
    }

    public PortableFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
    }
}
