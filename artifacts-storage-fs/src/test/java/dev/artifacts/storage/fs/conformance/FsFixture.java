package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.StorageFixture;
import dev.artifacts.spi.Storage;
import dev.artifacts.storage.fs.FileSystemStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** A new data directory per storage; reopen opens the same directory again. */
final class FsFixture {
  private FsFixture() {}

  static StorageFixture create() {
    List<Path> dirs = new ArrayList<>();
    StorageFixture base =
        StorageFixture.reopenable(
            () -> {
              try {
                Path dir = Files.createTempDirectory("artifacts-fs-kit");
                dirs.add(dir);
                return FileSystemStorage.open(dir);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            closed -> FileSystemStorage.open(((FileSystemStorage) closed).dataDir()));
    return new StorageFixture() {
      @Override
      public Storage create() {
        return base.create();
      }

      @Override
      public Storage reopen(Storage closed) {
        return base.reopen(closed);
      }

      @Override
      public java.util.Set<dev.artifacts.conformance.Capability> capabilities() {
        return base.capabilities();
      }

      @Override
      public void cleanUp() {
        for (Path dir : dirs) {
          try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          } catch (IOException e) {
            // Temporary directories; the OS cleans up what is left.
          }
        }
        dirs.clear();
      }
    };
  }
}
