package dev.artifacts.storage.sqlite.conformance;

import dev.artifacts.conformance.ModelConformance;
import dev.artifacts.conformance.StorageFixture;

/** Runs the kit's {@link ModelConformance} suite against the SQLite backend. */
class SqliteModelConformanceTest extends ModelConformance {
  @Override
  protected StorageFixture fixture() {
    return SqliteFixture.create();
  }
}
