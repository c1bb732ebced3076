package dev.artifacts.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import dev.artifacts.spi.Storage;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * How the conformance kit gets storages of the backend under test. A backend author implements
 * this once and returns it from {@link ConformanceSuite#fixture()} of each suite subclass.
 *
 * <p>The kit creates a fixture per test method (JUnit makes a new test instance per method), calls
 * {@link #create()} as often as the test needs, closes every storage it obtained when the test
 * ends (closing twice must be harmless, as {@link Storage#close()} requires), then calls {@link
 * #cleanUp()}. The kit never asks which backend it runs on: everything it knows comes from this
 * interface.
 */
public interface StorageFixture {

  /**
   * Creates a new storage.
   *
   * @return a new, empty storage (no repositories, no tokens), independent of every other storage
   *     this fixture returned: changes in one never show in another
   */
  Storage create();

  /**
   * Opens again the place that {@code closed} kept its state in. Called only when {@link
   * #capabilities()} contains {@link Capability#REOPEN}, and only after the kit called {@code
   * closed.close()}.
   *
   * @param closed a storage returned by {@link #create()} or by an earlier {@code reopen}, closed
   * @return a new, open storage over the same state
   */
  default Storage reopen(Storage closed) {
    throw new UnsupportedOperationException(
        "this fixture does not declare " + Capability.REOPEN + " and cannot reopen a storage");
  }

  /** @return the optional behaviour the backend promises; tests needing others are skipped */
  default Set<Capability> capabilities() {
    return EnumSet.noneOf(Capability.class);
  }

  /**
   * Releases what the fixture holds (temporary directories, database schemas, containers). Called
   * once at the end of every test, after the kit closed every storage. Should not throw.
   */
  default void cleanUp() {}

  /**
   * A fixture for a backend that keeps no state beyond the storage object (it cannot {@link
   * Capability#REOPEN}), such as the in-memory backend.
   */
  static StorageFixture of(Supplier<? extends Storage> factory) {
    Objects.requireNonNull(factory, "factory");
    return factory::get;
  }

  /**
   * A fixture declaring {@link Capability#REOPEN}.
   *
   * @param factory creates a new, empty, independent storage
   * @param reopen given a closed storage from {@code factory} or from an earlier reopen, opens a
   *     new storage over the same state
   */
  static StorageFixture reopenable(
      Supplier<? extends Storage> factory, UnaryOperator<Storage> reopen) {
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(reopen, "reopen");
    return new StorageFixture() {
      @Override
      public Storage create() {
        return factory.get();
      }

      @Override
      public Storage reopen(Storage closed) {
        return reopen.apply(closed);
      }

      @Override
      public Set<Capability> capabilities() {
        return EnumSet.of(Capability.REOPEN);
      }
    };
  }

  /**
   * A fixture declaring {@link Capability#REOPEN} for a backend that keeps its state under one
   * directory: each storage gets a new empty temporary directory, deleted again by {@link
   * #cleanUp()}.
   *
   * @param open opens a storage over a directory (empty for a new storage)
   * @param directoryOf the directory a storage from {@code open} was opened over
   */
  static StorageFixture inTemporaryDirectories(
      Function<Path, ? extends Storage> open, Function<Storage, Path> directoryOf) {
    Objects.requireNonNull(open, "open");
    Objects.requireNonNull(directoryOf, "directoryOf");
    List<Path> created = new ArrayList<>();
    return new StorageFixture() {
      @Override
      public synchronized Storage create() {
        Path dir;
        try {
          dir = Files.createTempDirectory("artifacts-kit-");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        created.add(dir);
        return open.apply(dir);
      }

      @Override
      public Storage reopen(Storage closed) {
        return open.apply(directoryOf.apply(closed));
      }

      @Override
      public Set<Capability> capabilities() {
        return EnumSet.of(Capability.REOPEN);
      }

      @Override
      public synchronized void cleanUp() {
        for (Path dir : created) {
          try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          } catch (IOException e) {
            // A temporary directory: what cannot be deleted now the OS removes later.
          }
        }
        created.clear();
      }
    };
  }
}
