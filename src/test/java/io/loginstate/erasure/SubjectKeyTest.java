package io.loginstate.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SubjectKeyTest {

    private final SubjectKey key = SubjectKey.of("0123456789abcdef-key");

    @Test
    void subjectIsTheHmacSha256OfTheIdsUtf8Bytes() {
        // Computed independently: Python's hmac.new(key, id.encode(), sha256).hexdigest().
        assertThat(key.subject("user-42"))
                .isEqualTo("a0d3c5c72e1b4bac4a85e39b060d5e97f44dc97eaed324df1e241a7b38b3708c");
        assertThat(key.subject("ü-7")).isEqualTo("5eddec463c3326e4bc38dc1a01f913284ef6e4a241262b6fabadc96b7e2c542c");
    }

    @Test
    void anotherKeyGivesAnotherSubject() {
        assertThat(SubjectKey.of("another-secret-of-length").subject("user-42")).isNotEqualTo(key.subject("user-42"));
    }

    @Test
    void shortKeysAreRefused() {
        assertThatThrownBy(() -> SubjectKey.of("too-short"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16");
        assertThatThrownBy(() -> SubjectKey.of(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void erasureIdNamesTheDayAndTheSubjectsPrefix() {
        String subject = key.subject("user-42");
        String id = SubjectKey.erasureId(subject, Instant.parse("2026-12-02T23:59:59Z"));
        assertThat(id).isEqualTo("20261202-" + subject.substring(0, 24));
        assertThat(ErasureReceipts.idProblem(id)).isNull();
        assertThat(id).doesNotContain("user");
    }
}
