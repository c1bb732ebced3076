package dev.artifacts.server;

/** The end-to-end suite on the sqlite backend, restarts included. */
class SqliteGitEndToEndTest extends DurableGitEndToEndTestBase {
  @Override
  protected String storage() {
    return "sqlite";
  }
}
