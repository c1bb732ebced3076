package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.StorageException;
import dev.artifacts.storage.fs.internal.FsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the conformance kit cannot see of this backend's refs: the {@code HEAD} file git reads, a
 * write failing before its rename, and names the line-based refs files cannot hold.
 */
class RefStoreTest {
  @TempDir Path dir;

  static ObjectId id(int n) {
    return ObjectId.fromString(String.format("%040x", n));
  }

  @Test
  void failedWriteAppliesNothing() {
    AtomicBoolean fail = new AtomicBoolean();
    FsOptions.FaultInjector faults =
        point -> {
          if (fail.get() && point.equals(FsOptions.FaultInjector.REFS_BEFORE_RENAME)) {
            throw new IOException("injected");
          }
        };
    try (FileSystemStorage s = TestSupport.open(dir, Duration.ofMinutes(1), faults)) {
      RefStore refs = s.create("r").orElseThrow().refs();
      refs.apply(List.of(RefChange.create("refs/heads/a", RefValue.of(id(1)))));
      fail.set(true);
      assertThatThrownBy(
              () ->
                  refs.apply(
                      List.of(
                          RefChange.update(
                              "refs/heads/a", RefValue.of(id(1)), RefValue.of(id(2))))))
          .isInstanceOf(StorageException.class);
      assertThat(refs.get("refs/heads/a")).contains(RefValue.of(id(1)));
    }
    try (FileSystemStorage s = TestSupport.open(dir)) {
      assertThat(s.open("r").orElseThrow().refs().list(""))
          .containsExactly(Map.entry("refs/heads/a", RefValue.of(id(1))));
    }
  }

  @Test
  void headFileFollowsHeadInTheRepositoryAndItsForks() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RefStore refs = s.create("r").orElseThrow().refs();
      Path head = s.repositoryDirectory("r").resolve("HEAD");
      refs.apply(List.of(RefChange.create("HEAD", RefValue.symbolic("refs/heads/main"))));
      assertThat(head).hasContent("ref: refs/heads/main");
      // detached HEAD
      refs.apply(
          List.of(RefChange.update("HEAD", RefValue.symbolic("refs/heads/main"), RefValue.of(id(3)))));
      assertThat(head).hasContent(id(3).name());
      s.fork("r", "c", true).orElseThrow();
      assertThat(s.repositoryDirectory("c").resolve("HEAD")).hasContent(id(3).name());
      refs.apply(
          List.of(RefChange.update("HEAD", RefValue.of(id(3)), RefValue.symbolic("refs/heads/u"))));
      assertThat(head).hasContent("ref: refs/heads/u");
      assertThat(s.repositoryDirectory("c").resolve("HEAD")).hasContent(id(3).name());
    }
  }

  @Test
  void rejectsNamesWithControlCharacters() {
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RefStore refs = s.create("r").orElseThrow().refs();
      assertThatThrownBy(
              () -> refs.apply(List.of(RefChange.create("refs/heads/a\nb", RefValue.of(id(1))))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(refs.list("")).isEmpty();
    }
  }
}
