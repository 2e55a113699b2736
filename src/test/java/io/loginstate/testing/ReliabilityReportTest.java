package io.loginstate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReliabilityReportTest {

    @TempDir
    Path dir;

    @Test
    void theTableListsEachScenarioWithItsFiguresAndTheOnesWithoutFigures() throws Exception {
        Path figures = dir.resolve("reliability");
        Files.createDirectories(figures);
        Files.writeString(
                figures.resolve("recovery-kills.json"),
                "{\"scenario\":\"recovery-kills\",\"test\":\"CheckpointRecoveryIT: kills | restarts\","
                        + "\"figures\":{\"kills\":50,\"aimed\":20}}");

        String table = ReliabilityReport.table(figures, "./mvnw -Pchaos verify", List.of("recovery-kills", "storm"));

        assertThat(table)
                .contains("`./mvnw -Pchaos verify`")
                .contains("| recovery-kills | CheckpointRecoveryIT: kills \\| restarts | kills 50, aimed 20 |")
                .contains("| storm | | no figures: failed or not run |");
    }

    @Test
    void theSectionBetweenTheMarkersIsReplacedAndTheRestKept() {
        String text =
                "# Title\n\nbefore\n" + ReliabilityReport.BEGIN + "\nold table\n" + ReliabilityReport.END + "\nafter\n";

        String replaced = ReliabilityReport.replaceSection(text, "new table\n");

        assertThat(replaced)
                .isEqualTo("# Title\n\nbefore\n" + ReliabilityReport.BEGIN + "\nnew table\n" + ReliabilityReport.END
                        + "\nafter\n");
        assertThatThrownBy(() -> ReliabilityReport.replaceSection("no markers", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clearingRemovesTheFiguresOfAnEarlierRun() throws Exception {
        Path figures = dir.resolve("reliability");
        Files.createDirectories(figures);
        Files.writeString(figures.resolve("old.json"), "{}");

        ReliabilityReport.clear(figures);

        assertThat(figures).isEmptyDirectory();
    }
}
