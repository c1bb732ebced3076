package dev.artifacts.storage.sqlite;

import static dev.artifacts.storage.sqlite.TestSupport.CHUNK;
import static dev.artifacts.storage.sqlite.TestSupport.queryLong;
import static dev.artifacts.storage.sqlite.TestSupport.randomBytes;
import static dev.artifacts.storage.sqlite.TestSupport.readAll;
import static dev.artifacts.storage.sqlite.TestSupport.writeFile;
import static dev.artifacts.storage.sqlite.TestSupport.writePack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.WritableFile;
import dev.artifacts.storage.sqlite.internal.SqliteObjectStore;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's object store: files as 64 KiB chunk rows,
 * staging rows of files being written, rows of retired packs and when they are deleted, commits
 * and staging writes failing inside their transaction, and readers beside a writer on SQLite.
 */
class ObjectStoreTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  @Test
  void writesAndReadsBackByteExactAcrossChunkBoundaries() {
    // small: stays in memory until the commit; big: flushed to staging rows while written
    byte[] pack = randomBytes(5 * CHUNK + 123, 1);
    byte[] big = randomBytes(20 * CHUNK + 7, 5);
    byte[] idx = randomBytes(1234, 2);
    byte[] exact = randomBytes(2 * CHUNK, 3);
    try (SqliteStorage s = TestSupport.open(db())) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      PackDescriptor d =
          writePack(objects, "p1", Map.of("pack", pack, "idx", idx, "big", big, "rev", exact));
      objects.commit(List.of(d), List.of());

      assertThat(objects.listPacks()).containsExactly(d);
      for (int bufferSize : List.of(1, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5)) {
        try (ReadableFile f = objects.open("p1", "pack").orElseThrow()) {
          assertThat(readAll(f, bufferSize)).isEqualTo(pack);
        }
      }
      assertThat(readAll(objects, "p1", "idx")).isEqualTo(idx);
      assertThat(readAll(objects, "p1", "big")).isEqualTo(big);
      assertThat(readAll(objects, "p1", "rev")).isEqualTo(exact);
      try (ReadableFile f = objects.open("p1", "pack").orElseThrow()) {
        assertThat(f.size()).isEqualTo(pack.length);
        assertThat(f.blockSize()).isEqualTo(CHUNK);
        // across a chunk boundary, into a direct buffer
        ByteBuffer across = ByteBuffer.allocateDirect(100);
        assertThat(f.read(CHUNK - 10, across)).isEqualTo(100);
        byte[] got = new byte[100];
        across.flip().get(got);
        assertThat(got).isEqualTo(Arrays.copyOfRange(pack, CHUNK - 10, CHUNK + 90));
        // the tail: fewer bytes than asked
        ByteBuffer b = ByteBuffer.allocate(10);
        assertThat(f.read(pack.length - 4, b)).isEqualTo(4);
        assertThat(b.position()).isEqualTo(4);
        assertThat(f.read(pack.length, ByteBuffer.allocate(10))).isEqualTo(-1);
        assertThat(f.read(pack.length + 100_000, ByteBuffer.allocate(10))).isEqualTo(-1);
        // an aligned block: exactly one chunk
        ByteBuffer block = ByteBuffer.allocate(CHUNK);
        assertThat(f.read(2L * CHUNK, block)).isEqualTo(CHUNK);
        assertThat(block.array()).isEqualTo(Arrays.copyOfRange(pack, 2 * CHUNK, 3 * CHUNK));
        // a full buffer reads nothing
        assertThat(f.read(0, ByteBuffer.allocate(0))).isZero();
      }
    }
    // chunk rows: ceil(length / 64 KiB) per file, none larger than a chunk
    assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(6 + 1 + 21 + 2);
    assertThat(queryLong(db(), "SELECT max(length(data)) FROM chunks")).isEqualTo(CHUNK);
    assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 0")).isZero();
  }

  @Test
  void writableFileReadsBackStagedAndBufferedBytes() {
    try (SqliteStorage s = TestSupport.open(db())) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      byte[] big = randomBytes(25 * CHUNK + 99, 3);
      try (WritableFile w = objects.create("p", "pack")) {
        w.write(big, 0, 9 * CHUNK); // 8 chunks staged, one buffered
        w.write(big, 9 * CHUNK, 10);
        ByteBuffer b = ByteBuffer.allocate(40);
        assertThat(w.read(8L * CHUNK - 20, b)).isEqualTo(40); // spans staged and buffered
        assertThat(b.array()).isEqualTo(Arrays.copyOfRange(big, 8 * CHUNK - 20, 8 * CHUNK + 20));
        assertThat(w.read(9L * CHUNK + 10, ByteBuffer.allocate(4))).isEqualTo(-1);
        w.write(big, 9 * CHUNK + 10, big.length - 9 * CHUNK - 10);
        ByteBuffer all = ByteBuffer.allocate(big.length);
        int n = 0;
        while (all.hasRemaining()) {
          int r = w.read(n, all);
          assertThat(r).isPositive();
          n += r;
        }
        assertThat(all.array()).isEqualTo(big);
      }
      // a small file stays in memory until the commit: no row
      writeFile(objects, "q", "pack", randomBytes(100, 1));
      assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 0")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isZero();
      objects.rollback(List.of("p", "q"));
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isZero();
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isZero();
    }
  }

  @Test
  void retiredPacksKeepTheirRowsWhileAReaderHoldsThem() {
    SqliteOptions options = SqliteOptions.defaults().withRetiredGrace(Duration.ofHours(1));
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      SqliteObjectStore objects = (SqliteObjectStore) s.create("r").orElseThrow().objects();
      byte[] aBytes = randomBytes(3 * CHUNK + 10, 1);
      PackDescriptor a = writePack(objects, "a", Map.of("pack", aBytes));
      PackDescriptor b = writePack(objects, "b", Map.of("pack", randomBytes(20, 2)));
      objects.commit(List.of(a, b), List.of());
      assertThat(objects.listPacks()).containsExactlyInAnyOrder(a, b);

      PackDescriptor c =
          writePack(objects, "c", Map.of("pack", randomBytes(30, 3), "idx", randomBytes(5, 4)));
      ReadableFile openBefore = objects.open("a", "pack").orElseThrow();
      objects.commit(List.of(c), List.of("a", "b", "unknown"));
      assertThat(objects.listPacks()).containsExactly(c);
      assertThat(queryLong(db(), "SELECT count(*) FROM packs WHERE retired_millis IS NOT NULL"))
          .isEqualTo(2);
      // a reader that listed "a" before may still open it during the grace period
      assertThat(readAll(objects, "a", "pack")).isEqualTo(aBytes);
      // an open file keeps its rows: the forced purge deletes "b" only
      objects.purgeRetiredNow();
      assertThat(objects.retiredNames()).containsExactly("a");
      assertThat(objects.open("a", "pack")).isEmpty(); // no new readers after the grace period
      assertThat(objects.open("b", "pack")).isEmpty();
      assertThat(readAll(openBefore)).isEqualTo(aBytes);
      openBefore.close();
      openBefore.close(); // harmless
      objects.purgeRetiredNow();
      assertThat(objects.retiredNames()).isEmpty();
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isEqualTo(2);
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(2);
      assertThatThrownBy(() -> openBefore.read(0, ByteBuffer.allocate(1)))
          .isInstanceOf(StorageException.class);
    }
  }

  @Test
  void retiredRowsAreDeletedAfterGraceAtNextCommit() {
    SqliteOptions options = SqliteOptions.defaults().withRetiredGrace(Duration.ZERO);
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      SqliteObjectStore objects = (SqliteObjectStore) s.create("r").orElseThrow().objects();
      PackDescriptor a = writePack(objects, "a", Map.of("pack", randomBytes(10, 1)));
      objects.commit(List.of(a), List.of());
      PackDescriptor b = writePack(objects, "b", Map.of("pack", randomBytes(10, 2)));
      objects.commit(List.of(b), List.of("a"));
      assertThat(objects.retiredNames()).isEmpty();
      assertThat(objects.open("a", "pack")).isEmpty();
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(1);
    }
  }

  @Test
  void retiredPacksOfAnEarlierProcessAreDeletedOnOpen() {
    SqliteOptions options = SqliteOptions.defaults().withRetiredGrace(Duration.ofHours(1));
    PackDescriptor b;
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      PackDescriptor a = writePack(objects, "a", Map.of("pack", randomBytes(10, 1)));
      objects.commit(List.of(a), List.of());
      b = writePack(objects, "b", Map.of("pack", randomBytes(10, 2)));
      objects.commit(List.of(b), List.of("a"));
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(2);
    }
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      ObjectStore objects = s.open("r").orElseThrow().objects();
      assertThat(objects.listPacks()).containsExactly(b);
      assertThat(objects.open("a", "pack")).isEmpty();
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(1);
    }
  }

  @Test
  void committedAndInvalidNamesAreRefused() {
    try (SqliteStorage s = TestSupport.open(db())) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      PackDescriptor a = writePack(objects, "a", Map.of("pack", randomBytes(10, 1)));
      objects.commit(List.of(a), List.of());
      for (String[] bad : new String[][] {{"a", "idx"}, {"x/y", "pack"}, {"x", "PACK"}}) {
        assertThatThrownBy(() -> objects.create(bad[0], bad[1]))
            .as("create(%s, %s)", bad[0], bad[1])
            .isInstanceOf(IllegalArgumentException.class);
      }
      // committing the same pack again adds no second row
      assertThatThrownBy(() -> objects.commit(List.of(a), List.of()))
          .hasMessageContaining("already committed");
      assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isEqualTo(1);
    }
  }

  @Test
  void rollbackDiscardsAndNeverThrows() {
    try (SqliteStorage s = TestSupport.open(db())) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      writeFile(objects, "a", "pack", randomBytes(10, 1));
      writeFile(objects, "a", "big", randomBytes(10 * CHUNK, 1)); // staged rows
      WritableFile stillOpen = objects.create("a", "idx");
      stillOpen.write(new byte[5], 0, 5);
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isEqualTo(8);
      assertThatCode(() -> objects.rollback(List.of("a", "unknown"))).doesNotThrowAnyException();
      assertThatCode(() -> objects.rollback(List.of())).doesNotThrowAnyException();
      assertThatCode(() -> objects.rollback(Arrays.asList("x", null))).doesNotThrowAnyException();
      assertThatCode(() -> objects.rollback(null)).doesNotThrowAnyException();
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isZero();
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isZero();
      assertThatThrownBy(() -> stillOpen.write(new byte[1], 0, 1))
          .isInstanceOf(IllegalStateException.class);
      writeFile(objects, "z", "pack", randomBytes(10 * CHUNK, 1));
      s.close();
      // after close: still never throws
      assertThatCode(() -> objects.rollback(List.of("z"))).doesNotThrowAnyException();
    }
  }

  @Test
  void failedCommitChangesNothingAndCanBeRetried() {
    AtomicReference<String> failAt = new AtomicReference<>();
    SqliteOptions options =
        SqliteOptions.defaults()
            .withRetiredGrace(Duration.ofHours(1))
            .withFaults(
                point -> {
                  if (point.equals(failAt.get())) {
                    throw new SQLException("injected at " + point);
                  }
                });
    PackDescriptor a;
    byte[] big = randomBytes(9 * CHUNK + 1, 9);
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      PackDescriptor old = writePack(objects, "old", Map.of("pack", randomBytes(7, 7)));
      objects.commit(List.of(old), List.of());
      a = writePack(objects, "a", Map.of("pack", big, "idx", randomBytes(4, 2)));
      PackDescriptor b = writePack(objects, "b", Map.of("pack", randomBytes(5, 5)));
      for (String point :
          List.of(
              SqliteOptions.FaultInjector.PACK_COMMIT,
              SqliteOptions.FaultInjector.BEFORE_COMMIT)) {
        failAt.set(point);
        PackDescriptor added = a;
        assertThatThrownBy(() -> objects.commit(List.of(added, b), List.of("old")))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining("injected at " + point)
            .matches(e -> !((StorageException) e).isTransient());
        assertThat(objects.listPacks()).containsExactly(old);
        assertThat(objects.open("a", "pack")).isEmpty();
        assertThat(objects.open("b", "pack")).isEmpty();
        assertThat(queryLong(db(), "SELECT count(*) FROM packs")).isEqualTo(1);
        assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 1")).isEqualTo(1);
        assertThat(queryLong(db(), "SELECT count(*) FROM files WHERE committed = 0")).isEqualTo(1);
      }
      failAt.set(null);
      objects.commit(List.of(a, b), List.of("old"));
      assertThat(objects.listPacks()).containsExactlyInAnyOrder(a, b);
      assertThat(readAll(objects, "a", "idx")).isEqualTo(randomBytes(4, 2));
      assertThat(readAll(objects, "a", "pack")).isEqualTo(big);
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      ObjectStore objects = s.open("r").orElseThrow().objects();
      assertThat(objects.listPacks()).extracting(PackDescriptor::name).containsExactlyInAnyOrder("a", "b");
      assertThat(readAll(objects, "a", "pack")).isEqualTo(big);
    }
  }

  @Test
  void failedStagingWriteThrowsAndLeavesNothingVisible() {
    AtomicReference<String> failAt = new AtomicReference<>(SqliteOptions.FaultInjector.STAGE);
    SqliteOptions options =
        SqliteOptions.defaults()
            .withFaults(
                point -> {
                  if (point.equals(failAt.get())) {
                    throw new SQLException("injected at " + point);
                  }
                });
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      WritableFile w = objects.create("p", "pack");
      byte[] data = randomBytes(9 * CHUNK, 1);
      // the flush runs while the caller goes on writing: its failure surfaces at the latest on close
      assertThatThrownBy(
              () -> {
                w.write(data, 0, data.length);
                w.close();
              })
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("injected at stage");
      assertThatThrownBy(() -> w.write(data, 0, 1)).isInstanceOf(IllegalStateException.class);
      PackDescriptor d = new PackDescriptor("p", "RECEIVE", Map.of("pack", (long) data.length), 1, 0);
      assertThatThrownBy(() -> objects.commit(List.of(d), List.of()))
          .isInstanceOf(IllegalArgumentException.class);
      objects.rollback(List.of("p"));
      assertThat(queryLong(db(), "SELECT count(*) FROM files")).isZero();
      assertThat(queryLong(db(), "SELECT count(*) FROM chunks")).isZero();
    }
  }

  @Test
  void parallelReadersAndAWriterDoNotInterfere() throws Exception {
    byte[] data = randomBytes(12 * CHUNK + 5, 11);
    try (SqliteStorage s = TestSupport.open(db())) {
      ObjectStore objects = s.create("r").orElseThrow().objects();
      objects.commit(List.of(writePack(objects, "base", Map.of("pack", data))), List.of());
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < 6; t++) {
          futures.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 20; i++) {
                      assertThat(readAll(objects, "base", "pack")).isEqualTo(data);
                    }
                  }));
        }
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 20; i++) {
                    String name = "w" + i;
                    objects.commit(
                        List.of(writePack(objects, name, Map.of("pack", randomBytes(CHUNK + i, i)))),
                        List.of());
                  }
                }));
        for (Future<?> f : futures) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(objects.listPacks()).hasSize(21);
      assertThat(readAll(objects, "w7", "pack")).isEqualTo(randomBytes(CHUNK + 7, 7));
    }
  }
}
