package dev.artifacts.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PackDescriptorTest {
  /** A backend's file being written, as far as {@link PackDescriptor#requireWritten} asks. */
  private record File(boolean closed, long length) {}

  private static PackDescriptor pack(Map<String, Long> files) {
    return new PackDescriptor("p1", "RECEIVE", files, 1, 0);
  }

  private static Map<String, File> check(PackDescriptor d, Map<String, File> written) {
    return d.requireWritten(written::get, File::closed, File::length);
  }

  @Test
  void returnsEveryFileWhenAllAreWrittenClosedAndOfTheirLength() {
    File pack = new File(true, 10);
    File idx = new File(true, 0);
    Map<String, File> written = Map.of("pack", pack, "idx", idx, "bitmap", new File(false, 3));
    assertThat(check(pack(Map.of("pack", 10L, "idx", 0L)), written))
        .as("files the descriptor does not name are not asked about")
        .isEqualTo(Map.of("pack", pack, "idx", idx));
  }

  @Test
  void namesThePackAndTheFileThatIsWrong() {
    PackDescriptor d = pack(Map.of("pack", 10L));
    assertThatThrownBy(() -> check(d, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("file pack of pack p1 was not written");
    assertThatThrownBy(() -> check(d, Map.of("pack", new File(false, 10))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("file pack of pack p1 is not closed (still being written, or its write failed)");
    assertThatThrownBy(() -> check(d, Map.of("pack", new File(true, 11))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("file pack of pack p1 has 11 bytes, the descriptor says 10");
    assertThatThrownBy(() -> check(pack(Map.of()), Map.of("pack", new File(true, 10))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pack p1 has no files");
  }
}
