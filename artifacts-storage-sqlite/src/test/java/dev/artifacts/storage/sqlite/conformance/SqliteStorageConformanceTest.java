package dev.artifacts.storage.sqlite.conformance;

import dev.artifacts.conformance.StorageConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link StorageConformance} suite against the SQLite backend. */
class SqliteStorageConformanceTest extends StorageConformance {
  @Override
  protected StorageFixture fixture() {
    return SqliteFixture.create();
  }
}
