package dev.artifacts.server;

/** The end-to-end suite on the fs backend, restarts included. */
class FsGitEndToEndTest extends DurableGitEndToEndTestBase {
  @Override
  protected String storage() {
    return "fs";
  }
}
