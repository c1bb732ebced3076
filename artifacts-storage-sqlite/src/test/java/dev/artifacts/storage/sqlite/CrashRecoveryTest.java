package dev.artifacts.storage.sqlite;

import static dev.artifacts.storage.sqlite.TestSupport.queryLong;
import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.WritableFile;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leftovers of interrupted writes: staging rows and retired packs never become visible and are
 * removed when the database is next opened; a process killed in the middle of writing loses
 * nothing it acknowledged.
 */
class CrashRecoveryTest {
  @TempDir Path dir;

  private static final ObjectId C1 = ObjectId.fromString("1111111111111111111111111111111111111111");

  Path db() {
    return dir.resolve("artifacts.db");
  }

  @Test
  void leftoverRowsAreInvisibleAndRemovedOnOpen() {
    PackDescriptor p1;
    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore r = s.create("r").orElseThrow();
      p1 = TestSupport.writePack(r.objects(), "p1", Map.of("pack", new byte[] {1, 2}));
      r.objects().commit(List.of(p1), List.of());
      r.refs().apply(List.of(RefChange.create("refs/heads/main", RefValue.of(C1))));
    }
    long rid = queryLong(db(), "SELECT rid FROM repos WHERE id = 'r'");
    long key = 1_000L << 24;
    TestSupport.exec(
        db(),
        // a file being written when the process stopped (staging rows)
        "INSERT INTO files(fid, rid, pack, ext, length, committed) VALUES (1000, " + rid
            + ", 'p2', 'pack', 0, 0)",
        "INSERT INTO chunks(key, data) VALUES (" + key + ", x'0102'), (" + (key + 1) + ", x'03')",
        // a staging file even named like a committed pack's file
        "INSERT INTO files(fid, rid, pack, ext, length, committed) VALUES (1001, " + rid
            + ", 'p1', 'idx', 0, 0)",
        // a retired pack whose grace period an earlier process was waiting out
        "INSERT INTO packs VALUES (" + rid + ", 'old', 'GC', 1, 1, 1700000000000)",
        "INSERT INTO files(fid, rid, pack, ext, length, committed) VALUES (1002, " + rid
            + ", 'old', 'pack', 1, 1)",
        "INSERT INTO chunks(key, data) VALUES (" + (1002L << 24) + ", x'09')");

    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore r = s.open("r").orElseThrow();
      assertThat(r.objects().listPacks()).containsExactly(p1);
      assertThat(r.objects().open("p2", "pack")).isEmpty();
      assertThat(r.objects().open("p1", "idx")).isEmpty();
      assertThat(r.objects().open("old", "pack")).isEmpty();
      assertThat(r.refs().list("")).containsExactly(Map.entry("refs/heads/main", RefValue.of(C1)));
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);

      // the repository keeps working: the leftover names can be written again
      PackDescriptor p2 = TestSupport.writePack(r.objects(), "p2", Map.of("pack", new byte[] {8}));
      r.objects().commit(List.of(p2), List.of());
      assertThat(TestSupport.readAll(r.objects(), "p2", "pack")).containsExactly(8);
    }
  }

  /** Run in a child JVM by {@link #killedProcessLosesNothingAcknowledged}. */
  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    SqliteStorage s = SqliteStorage.open(db);
    RepositoryStore r = s.create("r").orElseThrow();
    byte[] big = TestSupport.randomBytes(1_000_000, 7);
    PackDescriptor d = TestSupport.writePack(r.objects(), "acked", Map.of("pack", big));
    r.objects().commit(List.of(d), List.of());
    r.refs().apply(List.of(RefChange.create("refs/heads/main", RefValue.of(C1))));
    s.fork("r", "child", true).orElseThrow();
    // uncommitted: one file flushed to staging rows, one only in memory
    TestSupport.writeFile(r.objects(), "lost", "pack", big);
    WritableFile open = r.objects().create("lost", "idx");
    open.write(big, 0, 600_000);
    open.read(0, java.nio.ByteBuffer.allocate(1)); // waits until its first 512 KiB are staged
    System.out.println("READY");
    System.out.flush();
    Runtime.getRuntime().halt(0); // no close, no shutdown hooks: like a crash
  }

  @Test
  void killedProcessLosesNothingAcknowledged() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashRecoveryTest.class.getName());
    cmd.add(db().toString());
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String log = Files.readString(dir.resolve("child.log"));
    assertThat(log).contains("READY");
    assertThat(p.exitValue()).as(log).isZero();
    // both uncommitted files had filled the write buffer: they left staging rows
    assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 0")).isEqualTo(2);

    try (SqliteStorage s = TestSupport.open(db())) {
      RepositoryStore r = s.open("r").orElseThrow();
      assertThat(r.objects().listPacks()).extracting(PackDescriptor::name).containsExactly("acked");
      assertThat(TestSupport.readAll(r.objects(), "acked", "pack"))
          .isEqualTo(TestSupport.randomBytes(1_000_000, 7));
      assertThat(r.objects().open("lost", "pack")).isEmpty();
      assertThat(r.refs().list("")).containsExactly(Map.entry("refs/heads/main", RefValue.of(C1)));
      RepositoryStore child = s.open("child").orElseThrow();
      assertThat(child.readOnly()).isTrue();
      assertThat(child.refs().list("")).containsExactly(Map.entry("refs/heads/main", RefValue.of(C1)));
      assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 0")).isZero();
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks"))
          .isEqualTo((1_000_000 + 65535) / 65536);
    }
    assertThat(new File(db() + ".lock")).exists();
  }
}
