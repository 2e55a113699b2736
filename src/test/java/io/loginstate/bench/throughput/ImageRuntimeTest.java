package io.loginstate.bench.throughput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageRuntimeTest {

    @Test
    void readsTheCollectorAndTheAllocatorSettingsOfTheImage() {
        ImageRuntime image = ImageRuntime.ofImage();

        assertThat(image.collectorOption()).isEqualTo("-XX:+UseParallelGC");
        assertThat(image.allocatorEnvironment())
                .containsEntry("MALLOC_ARENA_MAX", "2")
                .containsEntry("MALLOC_MMAP_THRESHOLD_", "131072");
    }

    @Test
    void ignoresCommentsAndContinuations() {
        ImageRuntime image = ImageRuntime.parse("""
                # ENV MALLOC_TOP_PAD_=1
                ENV A=1 \\
                    MALLOC_ARENA_MAX=4 \\
                    B=2
                ENV JAVA_OPTS_APPEND="-XX:+UseSerialGC -Dx=y"
                """);

        assertThat(image.collectorOption()).isEqualTo("-XX:+UseSerialGC");
        assertThat(image.allocatorEnvironment()).containsExactlyEntriesOf(Map.of("MALLOC_ARENA_MAX", "4"));
    }

    @Test
    void refusesAnImageWithoutACollector() {
        assertThatThrownBy(() -> ImageRuntime.parse("ENV MALLOC_ARENA_MAX=2\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JAVA_OPTS_APPEND");
    }
}
