package io.loginstate.support;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.InstantSource;

/** The wall clock, injected wherever time matters, so tests can replace it. */
@ApplicationScoped
public class Clocks {

    @Produces
    @Singleton
    InstantSource wallClock() {
        return InstantSource.system();
    }
}
