package dev.artifacts.server;

import dev.artifacts.Artifacts;
import dev.artifacts.PushLimits;
import dev.artifacts.internal.Secrets;
import dev.artifacts.servlet.ArtifactsServlet;
import dev.artifacts.spi.Storage;
import dev.artifacts.storage.fs.FileSystemStorage;
import dev.artifacts.storage.mem.InMemoryStorage;
import dev.artifacts.storage.sqlite.SqliteStorage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The runnable server: embedded Jetty serving {@link ArtifactsServlet} over a backend chosen by
 * flag. Also usable from tests: {@link #start(ServerConfig)} returns once the port is bound.
 */
public final class ArtifactsServer implements AutoCloseable {
  /** The database file of the sqlite backend, inside the data directory. */
  public static final String SQLITE_FILE = "artifacts.db";

  private static final long BLOCK_CACHE_BYTES = 128L << 20;

  private final Server jetty;
  private final ArtifactsServlet servlet;
  private final Artifacts artifacts;
  private final String adminToken;
  private final int port;
  private final String host;

  private ArtifactsServer(
      Server jetty, ArtifactsServlet servlet, Artifacts artifacts, String adminToken, int port, String host) {
    this.jetty = jetty;
    this.servlet = servlet;
    this.artifacts = artifacts;
    this.adminToken = adminToken;
    this.port = port;
    this.host = host;
  }

  /**
   * Opens the backend and starts serving.
   *
   * @throws IllegalStateException when the server cannot start (port taken, data dir locked);
   *     the backend is closed again in that case
   */
  public static ArtifactsServer start(ServerConfig config) {
    Storage storage = openStorage(config);
    String adminToken = config.adminToken() != null ? config.adminToken() : Secrets.newToken();
    Artifacts artifacts =
        Artifacts.builder(storage)
            .adminToken(adminToken)
            .pushLimits(config.pushLimits())
            .blockCacheBytes(BLOCK_CACHE_BYTES)
            .autoCompaction(config.autoCompaction())
            .build();

    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("artifacts-http");
    Server jetty = new Server(threads);
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost(config.bind());
    connector.setPort(config.port());
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ArtifactsServlet servlet = new ArtifactsServlet(artifacts);
    context.addServlet(new ServletHolder("artifacts", servlet), "/*");
    jetty.setHandler(context);
    jetty.setStopTimeout(5_000);
    try {
      jetty.start();
    } catch (Exception e) {
      try {
        jetty.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      artifacts.close();
      throw new IllegalStateException(
          "cannot start the server on " + config.bind() + ":" + config.port() + ": " + e.getMessage(), e);
    }
    return new ArtifactsServer(jetty, servlet, artifacts, adminToken, connector.getLocalPort(), config.bind());
  }

  private static Storage openStorage(ServerConfig config) {
    switch (config.storage()) {
      case "mem":
        return new InMemoryStorage();
      case "sqlite":
        try {
          Files.createDirectories(config.dataDir());
        } catch (IOException e) {
          throw new IllegalStateException("cannot create data directory " + config.dataDir(), e);
        }
        return SqliteStorage.open(config.dataDir().resolve(SQLITE_FILE));
      default:
        return FileSystemStorage.open(config.dataDir());
    }
  }

  /** @return the bound port */
  public int port() {
    return port;
  }

  /** @return the base URL, for example {@code http://127.0.0.1:8787} */
  public String baseUrl() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    if (h.equals("0.0.0.0") || h.equals("[::]")) {
      h = "127.0.0.1";
    }
    return "http://" + h + ":" + port;
  }

  /** @return the admin token in force */
  public String adminToken() {
    return adminToken;
  }

  /** @return the library facade this server serves */
  public Artifacts artifacts() {
    return artifacts;
  }

  /**
   * Ends open event streams, stops accepting requests, lets running ones finish (up to 5 s),
   * closes the backend.
   */
  @Override
  public void close() {
    try {
      servlet.closeEventStreams();
      jetty.stop();
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(ArtifactsServer.class).warn("stopping Jetty failed", e);
    } finally {
      artifacts.close();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    ServerConfig config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("artifacts-server: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    if (config == null) {
      System.out.println(usage());
      return;
    }
    ArtifactsServer server;
    try {
      server = start(config);
    } catch (RuntimeException e) {
      System.err.println("artifacts-server: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "artifacts-shutdown"));
    PrintStream out = System.out;
    out.println("Artifacts server listening on " + server.baseUrl()
        + " (storage: " + config.storage()
        + (config.storage().equals("mem") ? "" : ", data dir: " + config.dataDir().toAbsolutePath().normalize())
        + ")");
    if (config.adminToken() == null) {
      out.println("Admin token: " + server.adminToken());
    }
    out.println("Create a repository: curl -s -X POST -H 'Authorization: Bearer <admin token>' "
        + server.baseUrl() + "/v1/repos");
    out.flush();
    stopped.await();
  }

  /** @return the parsed configuration, or null when help was asked for */
  static ServerConfig parse(String[] args) {
    ServerConfig c = ServerConfig.defaults();
    Path dataDir = c.dataDir();
    String storage = c.storage();
    String bind = c.bind();
    int port = c.port();
    String token = null;
    long maxPack = PushLimits.DEFAULT.maxPackBytes();
    long maxObject = PushLimits.DEFAULT.maxObjectBytes();
    boolean autoCompaction = true;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--no-auto-compaction")) {
        autoCompaction = false;
        continue;
      }
      String value = null;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      if (flag.equals("--help") || flag.equals("-h")) {
        return null;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + flag);
        }
        value = args[++i];
      }
      switch (flag) {
        case "--data-dir" -> dataDir = Path.of(value);
        case "--storage" -> storage = value;
        case "--bind" -> bind = value;
        case "--port" -> port = parseInt(flag, value);
        case "--admin-token" -> token = value;
        case "--max-pack-bytes" -> maxPack = parseLong(flag, value);
        case "--max-object-bytes" -> maxObject = parseLong(flag, value);
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    return new ServerConfig(
        dataDir, storage, bind, port, token, new PushLimits(maxPack, maxObject), autoCompaction);
  }

  private static int parseInt(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
    }
  }

  private static long parseLong(String flag, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
    }
  }

  static String usage() {
    return String.join(
        "\n",
        "usage: java -jar artifacts-server.jar [options]",
        "  --data-dir DIR          data directory of the fs and sqlite backends (default ./data)",
        "  --storage fs|sqlite|mem storage backend (default fs)",
        "  --bind ADDRESS          address to listen on (default 127.0.0.1)",
        "  --port PORT             TCP port, 0 for any free port (default 8787)",
        "  --admin-token TOKEN     admin token (default: generated and printed)",
        "  --max-pack-bytes N      largest pack a push may send (default 2147483648; 0 = no limit)",
        "  --max-object-bytes N    largest object a push may contain (default 104857600; 0 = no limit)",
        "  --no-auto-compaction    no background repacks as pushes accumulate packs (default: on);",
        "                          POST /v1/repos/{id}/compact still repacks on demand");
  }
}
