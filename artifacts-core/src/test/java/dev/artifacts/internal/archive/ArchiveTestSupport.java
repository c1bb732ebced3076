package dev.artifacts.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs a command-line tool (unzip, tar) on an archive. */
final class ArchiveTestSupport {
  private ArchiveTestSupport() {}

  static boolean has(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Runs the command in dir; asserts success; returns stdout. Skips the test if the tool is missing. */
  static String run(Path dir, String... command) throws IOException, InterruptedException {
    Assumptions.assumeTrue(has(command[0]), command[0] + " is not installed");
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s\nstdout: %s\nstderr: %s", String.join(" ", command), stdout,
        Files.readString(err, StandardCharsets.UTF_8)).isZero();
    return stdout;
  }
}
