package dev.artifacts.storage.sqlite.conformance;

import dev.artifacts.conformance.StorageFixture;
import dev.artifacts.storage.sqlite.SqliteStorage;

/** A new database file per storage; reopen opens the same file again. */
final class SqliteFixture {
  private SqliteFixture() {}

  static StorageFixture create() {
    return StorageFixture.inTemporaryDirectories(
        dir -> SqliteStorage.open(dir.resolve("artifacts.db")),
        s -> ((SqliteStorage) s).databaseFile().getParent());
  }
}
