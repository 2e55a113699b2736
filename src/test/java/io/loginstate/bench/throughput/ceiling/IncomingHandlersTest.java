package io.loginstate.bench.throughput.ceiling;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The SmallRye ceiling replaces the service's handlers of channel {@code logins}, found by reading
 * the compiled classes: if none were found the ceiling would run beside the real handler, or
 * measure a channel the service no longer has.
 */
class IncomingHandlersTest {

    @Test
    void findsTheServicesHandlerOfTheLoginsChannel() {
        assertThat(IncomingHandlers.declaringClasses(Path.of("target/classes"), "logins"))
                .isNotEmpty()
                .allMatch(name -> name.startsWith("io.loginstate.") && !name.startsWith("io.loginstate.bench."));
    }
}
