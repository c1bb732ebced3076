package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fs token store's append-only journal: replay, torn tails, damage, migration, compaction. */
class TokenJournalTest {
  @TempDir Path dir;

  private Path journal() {
    return dir.resolve("tokens/journal");
  }

  private static TokenRecord token(int i, String repo) {
    byte[] h = new byte[32];
    h[0] = (byte) (i >> 8);
    h[1] = (byte) i;
    h[31] = 7;
    return new TokenRecord(HexFormat.of().formatHex(h), repo, "write", 1_000L + i, 0L);
  }

  @Test
  void putsRemovalsAndReplacementsSurviveReopen() {
    TokenRecord a = token(1, "r1");
    TokenRecord b = token(2, "r1");
    TokenRecord c = token(3, "r/2 odd\tid");
    TokenRecord a2 = new TokenRecord(a.hash(), "r1", "read", 5L, 99L);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.tokens().put(a);
      s.tokens().put(b);
      s.tokens().put(c);
      s.tokens().put(a2); // replaces a
      assertThat(s.tokens().remove(b.hash())).isTrue();
      assertThat(s.tokens().remove(b.hash())).isFalse();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().find(a.hash())).contains(a2);
      assertThat(s.tokens().find(b.hash())).isEmpty();
      assertThat(s.tokens().find(c.hash())).contains(c);
      assertThat(s.tokens().forRepository("r1")).containsExactly(a2);
    }
  }

  @Test
  void anInterruptedAppendIsCutOffAndTheJournalKeepsWorking() throws IOException {
    TokenRecord a = token(1, "r");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.tokens().put(a);
    }
    long intact = Files.size(journal());
    // a record torn by a crash: no newline, checksum missing
    Files.writeString(journal(), "P\t" + token(2, "r").hash() + "\tr\twri", StandardOpenOption.APPEND);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(Files.size(journal())).isEqualTo(intact);
      assertThat(s.tokens().find(a.hash())).contains(a);
      assertThat(s.tokens().find(token(2, "r").hash())).isEmpty();
      s.tokens().put(token(3, "r"));
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().forRepository("r")).containsExactlyInAnyOrder(a, token(3, "r"));
    }
  }

  @Test
  void aDamagedRecordAtTheEndWithItsNewlineIsCutOffToo() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.tokens().put(token(1, "r"));
    }
    Files.writeString(journal(), "P\tgarbage\t00000000\n", StandardOpenOption.APPEND);
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().forRepository("r")).containsExactly(token(1, "r"));
      assertThat(Files.readString(journal())).doesNotContain("garbage");
    }
  }

  @Test
  void aDamagedRecordFollowedByIntactOnesIsReportedNotSkipped() throws IOException {
    TokenRecord a = token(1, "r");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.tokens().put(a);
      s.tokens().remove(a.hash());
      s.tokens().put(token(2, "r"));
    }
    // flip one character of the revocation (line 3): skipping it would bring the token back
    List<String> lines = Files.readAllLines(journal());
    assertThat(lines.get(2)).startsWith("D\t");
    lines.set(2, "D\t" + token(9, "r").hash() + lines.get(2).substring(2 + a.hash().length()));
    Files.write(journal(), (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> TestSupport.open(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("damaged token journal")
        .hasMessageContaining(journal().toString())
        .hasMessageContaining("line 3");
  }

  @Test
  void aRecordOfAnUnknownShapeIsReported() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.tokens().put(token(1, "r"));
    }
    String payload = "X\tsomething new";
    CRC32 crc = new CRC32();
    crc.update(payload.getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        journal(), payload + "\t" + String.format("%08x", crc.getValue()) + "\n",
        StandardOpenOption.APPEND);
    assertThatThrownBy(() -> TestSupport.open(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("cannot read")
        .hasMessageContaining("X\tsomething new");
  }

  @Test
  void recordsOfTheOneFilePerTokenLayoutAreMovedIntoTheJournal() throws IOException {
    TokenRecord old = token(4, "legacy repo");
    Files.createDirectories(dir.resolve("tokens"));
    String body =
        "artifacts-token v1\nhash\t" + old.hash() + "\nrepository\tlegacy+repo\nscope\twrite\n"
            + "created\t1004\nexpires\t0\n";
    CRC32 crc = new CRC32();
    crc.update(body.getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        dir.resolve("tokens").resolve(old.hash()),
        body + "crc32 " + String.format("%08x", crc.getValue()) + "\n");
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().find(old.hash())).contains(old);
      assertThat(dir.resolve("tokens").resolve(old.hash())).doesNotExist();
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().find(old.hash())).contains(old);
    }
  }

  @Test
  void aJournalOfMostlyRemovedRecordsIsCompacted() throws IOException {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      for (int i = 0; i < 1500; i++) {
        s.tokens().put(token(i, "r"));
        if (i >= 10) {
          s.tokens().remove(token(i, "r").hash());
        }
      }
      // 1,500 puts and 1,490 removals written; compaction keeps the 10 live ones plus what came
      // after the last compaction
      assertThat(Files.readAllLines(journal()).size()).isLessThan(1100);
      assertThat(s.tokens().forRepository("r")).hasSize(10);
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().forRepository("r")).hasSize(10);
      for (int i = 0; i < 10; i++) {
        assertThat(s.tokens().find(token(i, "r").hash())).contains(token(i, "r"));
      }
    }
  }

  @Test
  void aFailedAppendStoresNothing() {
    AtomicBoolean fail = new AtomicBoolean(true);
    FsOptions.FaultInjector faults =
        point -> {
          if (fail.get() && point.equals(FsOptions.FaultInjector.TOKENS_BEFORE_APPEND)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ZERO, faults)) {
      assertThatThrownBy(() -> s.tokens().put(token(1, "r")))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("cannot store token record");
      assertThat(s.tokens().find(token(1, "r").hash())).isEmpty();
      fail.set(false);
      s.tokens().put(token(2, "r"));
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.tokens().forRepository("r")).containsExactly(token(2, "r"));
    }
  }
}
