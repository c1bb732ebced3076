package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's registry: directories on disk, creates
 * failing before their rename, the lock on the data directory, and token hashes as file names.
 */
class StorageTest {
  @TempDir Path dir;

  private static List<String> entries(Path p) throws IOException {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void deleteRemovesTheDirectoryAndHeldStoresFail() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore c = s.create("c").orElseThrow();
      assertThat(s.repositoryDirectory("c")).isDirectory();
      assertThat(s.delete("c")).isEqualTo(DeleteResult.DELETED);
      assertThat(s.repositoryDirectory("c")).doesNotExist();
      assertThatThrownBy(() -> c.refs().get("HEAD")).isInstanceOf(StorageException.class);
      assertThatThrownBy(
              () -> c.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic("x")))))
          .isInstanceOf(StorageException.class);
    }
  }

  @Test
  void failedCreateLeavesNothing() throws IOException {
    AtomicBoolean fail = new AtomicBoolean(true);
    FsOptions.FaultInjector faults =
        point -> {
          if (fail.get() && point.equals(FsOptions.FaultInjector.CREATE_BEFORE_RENAME)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), faults)) {
      assertThatThrownBy(() -> s.create("r")).isInstanceOf(StorageException.class);
      assertThat(s.open("r")).isEmpty();
      assertThat(s.list(null, 10)).isEmpty();
      assertThat(s.repositoryDirectory("r")).doesNotExist();
      assertThat(entries(dir.resolve("tmp"))).isEmpty();
      fail.set(false);
      assertThat(s.create("r")).isPresent();
    }
  }

  @Test
  void relativeDataDirIsResolvedOnce() {
    Path rel = Path.of("").toAbsolutePath().relativize(dir.resolve("rel/./data"));
    try (FileSystemStorage s = FileSystemStorage.open(rel)) {
      assertThat(s.dataDir()).isAbsolute().isEqualTo(dir.resolve("rel/data"));
      s.create("x");
      assertThat(dir.resolve("rel/data/repos/x")).isDirectory();
    }
  }

  @Test
  void secondInstanceIsRefusedUntilClose() {
    FileSystemStorage first = TestSupport.open(dir);
    try {
      assertThatThrownBy(() -> TestSupport.open(dir))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("in use");
    } finally {
      first.close();
    }
    assertThatCode(first::close).doesNotThrowAnyException();
    assertThatThrownBy(() -> first.open("a")).isInstanceOf(StorageException.class);
    try (FileSystemStorage again = TestSupport.open(dir)) {
      assertThat(again.list(null, 10)).isEmpty();
    }
  }

  @Test
  void tokenHashesThatCannotBeFileNamesAreRefused() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.create("a");
      assertThatThrownBy(() -> s.tokens().put(new TokenRecord("../evil", "a", "read", 0, 0)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.tokens().put(new TokenRecord("AB".repeat(32), "a", "read", 0, 0)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(s.tokens().forRepository("a")).isEmpty();
    }
    assertThat(dir.resolve("evil")).doesNotExist();
  }
}
