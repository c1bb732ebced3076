package dev.artifacts.storage.sqlite.conformance;

import dev.artifacts.conformance.ObjectStoreConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link ObjectStoreConformance} suite against the SQLite backend. */
class SqliteObjectStoreConformanceTest extends ObjectStoreConformance {
  @Override
  protected StorageFixture fixture() {
    return SqliteFixture.create();
  }
}
