package dev.artifacts.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.StorageException;
import dev.artifacts.storage.sqlite.internal.SqliteOptions;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's refs: a write failing inside its
 * transaction, and names that SQL would misread if they were not bound as parameters.
 */
class RefStoreTest {
  @TempDir Path dir;

  Path db() {
    return dir.resolve("artifacts.db");
  }

  static ObjectId id(int n) {
    return ObjectId.fromString(String.format("%040x", n));
  }

  @Test
  void failedWriteAppliesNothing() {
    AtomicBoolean fail = new AtomicBoolean();
    String[] point = {SqliteOptions.FaultInjector.REFS};
    SqliteOptions options =
        SqliteOptions.defaults()
            .withFaults(
                p -> {
                  if (fail.get() && p.equals(point[0])) {
                    throw new SQLException("injected");
                  }
                });
    try (SqliteStorage s = TestSupport.open(db(), options)) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/a", RefValue.of(id(1)))));
      fail.set(true);
      for (String p :
          List.of(SqliteOptions.FaultInjector.REFS, SqliteOptions.FaultInjector.BEFORE_COMMIT)) {
        point[0] = p;
        assertThatThrownBy(
                () ->
                    refs.apply(
                        List.of(
                            RefChange.update(
                                "refs/heads/a", RefValue.of(id(1)), RefValue.of(id(2))),
                            RefChange.create("refs/heads/b", RefValue.of(id(3))))))
            .isInstanceOf(StorageException.class)
            .matches(e -> !((StorageException) e).isTransient());
        assertThat(refs.list("")).containsExactly(Map.entry("refs/heads/a", RefValue.of(id(1))));
      }
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      assertThat(s.open("r").orElseThrow().refs().list(""))
          .containsExactly(Map.entry("refs/heads/a", RefValue.of(id(1))));
    }
  }

  @Test
  void namesAreStoredAsGiven() {
    String odd = "refs/heads/ünï'cödé \"x\"; DROP TABLE refs;--";
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create(odd, RefValue.of(id(1)))));
      assertThat(refs.list("refs/heads/ü")).containsOnlyKeys(odd);
      // listings are copies the caller cannot change
      assertThatThrownBy(() -> refs.list("").put("x", RefValue.of(id(1))))
          .isInstanceOf(UnsupportedOperationException.class);
    }
    try (SqliteStorage s = TestSupport.open(db())) {
      RefStore refs = s.open("r").orElseThrow().refs();
      assertThat(refs.list("")).hasSize(1);
      // deleted by that name: its row is gone
      assertThat(refs.apply(List.of(RefChange.delete(odd, RefValue.of(id(1))))).applied()).isTrue();
      assertThat(TestSupport.queryLong(db(), "SELECT count(*) FROM refs")).isZero();
    }
  }
}
