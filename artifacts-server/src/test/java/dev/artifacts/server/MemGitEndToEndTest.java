package dev.artifacts.server;

/** The end-to-end suite on the in-memory backend. */
class MemGitEndToEndTest extends GitEndToEndTestBase {
  @Override
  protected String storage() {
    return "mem";
  }
}
