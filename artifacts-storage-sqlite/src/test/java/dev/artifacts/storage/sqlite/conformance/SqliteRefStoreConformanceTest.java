package dev.artifacts.storage.sqlite.conformance;

import dev.artifacts.conformance.RefStoreConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link RefStoreConformance} suite against the SQLite backend. */
class SqliteRefStoreConformanceTest extends RefStoreConformance {
  @Override
  protected StorageFixture fixture() {
    return SqliteFixture.create();
  }
}
