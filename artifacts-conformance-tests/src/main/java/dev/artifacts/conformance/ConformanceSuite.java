package dev.artifacts.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every suite of the kit: obtains storages from the backend's {@link
 * StorageFixture}, closes them after each test, and skips tests whose {@link Capability} the
 * backend does not declare.
 *
 * <p>A backend author subclasses each suite ({@link ObjectStoreConformance}, {@link
 * RefStoreConformance}, {@link StorageConformance}, {@link EngineConformance}, {@link
 * ModelConformance}) and implements {@link #fixture()}; nothing else is needed.
 */
public abstract class ConformanceSuite {
  private static final AtomicInteger IDS = new AtomicInteger();

  private StorageFixture fixture;
  private final List<Storage> opened = new ArrayList<>();

  /**
   * @return the fixture of the backend under test; called once before each test, after JUnit
   *     injected the subclass's fields (so a {@code @TempDir} field may be used)
   */
  protected abstract StorageFixture fixture();

  @BeforeEach
  protected final void setUpConformanceFixture() {
    fixture = Objects.requireNonNull(fixture(), "fixture() returned null");
  }

  @AfterEach
  protected final void tearDownConformanceFixture() {
    List<Storage> toClose;
    synchronized (opened) {
      toClose = new ArrayList<>(opened);
      opened.clear();
    }
    AssertionError failure = null;
    for (Storage s : toClose) {
      try {
        s.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = new AssertionError("Storage.close() threw, which the SPI forbids", e);
        }
      }
    }
    if (fixture != null) {
      fixture.cleanUp();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** @return a new, empty storage from the fixture, closed automatically after the test */
  protected final Storage newStorage() {
    Storage s = Objects.requireNonNull(fixture.create(), "StorageFixture.create() returned null");
    track(s);
    return s;
  }

  /**
   * Closes {@code storage} and opens its state again. Skips the test unless the backend declares
   * {@link Capability#REOPEN}.
   */
  protected final Storage closeAndReopen(Storage storage) {
    requireCapability(Capability.REOPEN);
    storage.close();
    Storage again =
        Objects.requireNonNull(fixture.reopen(storage), "StorageFixture.reopen() returned null");
    track(again);
    return again;
  }

  /** Skips the calling test, naming the capability, when the backend does not declare it. */
  protected final void requireCapability(Capability capability) {
    assumeTrue(
        hasCapability(capability),
        () -> "skipped: the backend does not declare capability " + capability
            + " (" + capability.description() + ")");
  }

  /** @return whether the backend declares {@code capability} */
  protected final boolean hasCapability(Capability capability) {
    return fixture.capabilities().contains(capability);
  }

  /** @return a repository id not used before in this JVM, valid by the SPI's rule */
  protected static String uniqueId(String prefix) {
    return prefix + "-" + IDS.incrementAndGet();
  }

  /** Creates a repository that must not exist yet, failing the test if {@code create} is empty. */
  protected static RepositoryStore createRepository(Storage storage, String id) {
    return storage
        .create(id)
        .orElseThrow(() -> new AssertionError("Storage.create(\"" + id + "\") returned empty for a new id"));
  }

  /** Closes a storage from {@link #newStorage()} now and forgets it (long property runs). */
  final void release(Storage s) {
    synchronized (opened) {
      opened.remove(s);
    }
    s.close();
  }

  void track(Storage s) {
    synchronized (opened) {
      opened.add(s);
    }
  }
}
