package dev.artifacts.storage.fs.conformance;

import dev.artifacts.conformance.StorageFixture;
import dev.artifacts.storage.fs.FileSystemStorage;

/** A new data directory per storage; reopen opens the same directory again. */
final class FsFixture {
  private FsFixture() {}

  static StorageFixture create() {
    return StorageFixture.inTemporaryDirectories(
        FileSystemStorage::open, s -> ((FileSystemStorage) s).dataDir());
  }
}
