package dev.artifacts.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.Artifacts;
import dev.artifacts.servlet.ArtifactsServlet;
import dev.artifacts.spi.Storage;
import dev.artifacts.storage.fs.FileSystemStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding snippet, run as a host application would: its own Jetty, its own
 * backend, its own {@code Authenticator}, the servlet mounted under a prefix.
 */
class EmbeddingTest {
  record User(String name) implements Principal {}

  @TempDir Path tmp;

  private Server server;
  private Artifacts artifacts;
  private String base;

  @BeforeEach
  void startHost() throws Exception {
    // --- README snippet, with the host's own session check standing in for mySessions ---
    Storage storage = FileSystemStorage.open(tmp.resolve("git-data"));
    Artifacts artifacts =
        Artifacts.builder(storage)
            .authenticator(
                request ->
                    request.header("Cookie")
                        .filter(c -> c.contains("session=alice"))
                        .map(c -> new User("alice")))
            .authorizer(
                (principal, repositoryId, permission) ->
                    principal instanceof User && permission != Permission.ADMIN)
            .build();

    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new ArtifactsServlet(artifacts)), "/artifacts/*");
    // --- end of snippet ---

    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(context);
    server.start();
    this.artifacts = artifacts;
    base = "http://127.0.0.1:" + connector.getLocalPort() + "/artifacts/git/";
  }

  @AfterEach
  void stopHost() throws Exception {
    server.stop();
    artifacts.close();
  }

  @Test
  void hostAuthenticatorGuardsPushAndCloneThroughTheMountedServlet() throws Exception {
    artifacts.createRepository("site");
    Path work = tmp.resolve("work");
    Files.createDirectories(work);
    git(work, 0, "init", "-q", "-b", "main");
    Files.writeString(work.resolve("index.html"), "<h1>hello</h1>\n");
    git(work, 0, "add", "index.html");
    git(work, 0, "commit", "-q", "-m", "first page");

    String url = base + "site.git";
    Result refused = git(work, -1, "push", url, "main");
    assertThat(refused.exitCode).isNotZero();
    // 401 without credentials: git asks for a user name, which prompts are disabled for here.
    assertThat(refused.stderr).contains("could not read Username");
    assertThat(artifacts.repository("site").orElseThrow().exactRef("refs/heads/main")).isNull();

    git(work, 0, "-c", "http.extraHeader=Cookie: session=alice", "push", "-q", url, "main");
    String pushed = git(work, 0, "rev-parse", "HEAD").stdout.trim();

    Path clone = tmp.resolve("clone");
    git(tmp, 0, "-c", "http.extraHeader=Cookie: session=alice", "clone", "-q", url, clone.toString());
    assertThat(git(clone, 0, "rev-parse", "HEAD").stdout.trim()).isEqualTo(pushed);
    assertThat(Files.readString(clone.resolve("index.html"))).isEqualTo("<h1>hello</h1>\n");
    assertThat(artifacts.repository("site").orElseThrow().exactRef("refs/heads/main").getObjectId().name())
        .isEqualTo(pushed);
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  /** Runs git; {@code expectedExit} -1 accepts any exit code. */
  private Result git(Path dir, int expectedExit, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Path home = tmp.resolve("home");
    Files.createDirectories(home);
    pb.environment().put("HOME", home.toString());
    pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    pb.environment().put("GIT_TERMINAL_PROMPT", "0");
    pb.environment().put("GIT_ASKPASS", "");
    pb.environment().put("GIT_AUTHOR_NAME", "Host");
    pb.environment().put("GIT_AUTHOR_EMAIL", "host@example.com");
    pb.environment().put("GIT_COMMITTER_NAME", "Host");
    pb.environment().put("GIT_COMMITTER_EMAIL", "host@example.com");
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("git " + String.join(" ", args) + " timed out");
    }
    Result r =
        new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    if (expectedExit >= 0 && r.exitCode != expectedExit) {
      throw new AssertionError(
          "git " + String.join(" ", args) + " exited " + r.exitCode + ": " + r.stderr);
    }
    return r;
  }
}
