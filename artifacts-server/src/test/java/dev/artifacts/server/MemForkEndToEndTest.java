package dev.artifacts.server;

class MemForkEndToEndTest extends ForkEndToEndTestBase {
  @Override
  protected String storage() {
    return "mem";
  }
}
