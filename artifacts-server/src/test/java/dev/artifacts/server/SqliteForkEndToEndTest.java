package dev.artifacts.server;

class SqliteForkEndToEndTest extends ForkEndToEndTestBase {
  @Override
  protected String storage() {
    return "sqlite";
  }
}
