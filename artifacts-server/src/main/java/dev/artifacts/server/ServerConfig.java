package dev.artifacts.server;

import dev.artifacts.PushLimits;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run an {@link ArtifactsServer}.
 *
 * @param dataDir where the fs backend keeps its data and the sqlite backend its database file
 *     ({@code artifacts.db}); ignored by the mem backend
 * @param storage {@code fs}, {@code sqlite} or {@code mem}
 * @param bind the address to listen on, for example {@code 127.0.0.1}
 * @param port the TCP port; 0 picks a free one
 * @param adminToken the admin token, or null to generate one
 * @param pushLimits limits every push is checked against
 * @param autoCompaction whether repositories are repacked in the background as pushes accumulate
 *     packs (the default; {@code --no-auto-compaction} turns it off, {@code POST
 *     /v1/repos/{id}/compact} still works)
 */
public record ServerConfig(
    Path dataDir,
    String storage,
    String bind,
    int port,
    String adminToken,
    PushLimits pushLimits,
    boolean autoCompaction) {

  public ServerConfig {
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(pushLimits, "pushLimits");
    if (!storage.equals("fs") && !storage.equals("sqlite") && !storage.equals("mem")) {
      throw new IllegalArgumentException("unknown storage '" + storage + "': use fs, sqlite or mem");
    }
    if (!storage.equals("mem") && dataDir == null) {
      throw new IllegalArgumentException("the " + storage + " storage needs a data directory");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** A configuration with background compaction on. */
  public ServerConfig(
      Path dataDir, String storage, String bind, int port, String adminToken, PushLimits pushLimits) {
    this(dataDir, storage, bind, port, adminToken, pushLimits, true);
  }

  /** A configuration with the default push limits. */
  public ServerConfig(Path dataDir, String storage, String bind, int port, String adminToken) {
    this(dataDir, storage, bind, port, adminToken, PushLimits.DEFAULT);
  }

  /** The defaults of the command line: fs under {@code ./data}, loopback, port 8787. */
  public static ServerConfig defaults() {
    return new ServerConfig(Path.of("data"), "fs", "127.0.0.1", 8787, null);
  }

  public ServerConfig withPushLimits(PushLimits limits) {
    return new ServerConfig(dataDir, storage, bind, port, adminToken, limits, autoCompaction);
  }

  public ServerConfig withAdminToken(String token) {
    return new ServerConfig(dataDir, storage, bind, port, token, pushLimits, autoCompaction);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(dataDir, storage, bind, newPort, adminToken, pushLimits, autoCompaction);
  }

  public ServerConfig withAutoCompaction(boolean enabled) {
    return new ServerConfig(dataDir, storage, bind, port, adminToken, pushLimits, enabled);
  }
}
