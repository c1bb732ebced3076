package dev.artifacts.conformance;

import dev.artifacts.Artifacts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.BasePackFetchConnection;
import org.eclipse.jgit.transport.BasePackPushConnection;
import org.eclipse.jgit.transport.PackTransport;
import org.eclipse.jgit.transport.PushConnection;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportProtocol;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UploadPack;

/**
 * An in-process Git transport: JGit's client (clone, fetch, push) talks to JGit's {@link
 * UploadPack} and {@link ReceivePack} running over the engine's repositories, through pipes in the
 * same JVM (no socket). URIs look like {@code artkit://s1/repo-id}; {@link #serve} registers an
 * engine under a host name.
 */
final class InProcessGit {
  static final String SCHEME = "artkit";
  private static final AtomicInteger HOSTS = new AtomicInteger();
  private static final Map<String, Artifacts> SERVERS = new ConcurrentHashMap<>();

  /** Held strongly: JGit keeps only weak references to registered protocols. */
  private static final TransportProtocol PROTOCOL =
      new TransportProtocol() {
        @Override
        public String getName() {
          return "conformance kit in-process";
        }

        @Override
        public Set<String> getSchemes() {
          return Set.of(SCHEME);
        }

        @Override
        public boolean canHandle(URIish uri, Repository local, String remoteName) {
          return SCHEME.equals(uri.getScheme());
        }

        @Override
        public Transport open(URIish uri, Repository local, String remoteName)
            throws NotSupportedException, TransportException {
          Artifacts server = SERVERS.get(uri.getHost());
          if (server == null) {
            throw new NoRemoteRepositoryException(uri, "no in-process server " + uri.getHost());
          }
          String path = uri.getPath();
          String id = path.startsWith("/") ? path.substring(1) : path;
          return new Kit(local, uri, server, id);
        }
      };

  static {
    Transport.register(PROTOCOL);
  }

  private InProcessGit() {}

  /** Serves {@code artifacts} until the returned server is closed. */
  static Server serve(Artifacts artifacts) {
    String host = "s" + HOSTS.incrementAndGet();
    SERVERS.put(host, artifacts);
    return new Server(host);
  }

  /** A registered engine. */
  record Server(String host) implements AutoCloseable {
    /** @return the URI to clone, fetch or push repository {@code id} */
    String uri(String id) {
      return SCHEME + "://" + host + "/" + id;
    }

    @Override
    public void close() {
      SERVERS.remove(host);
    }
  }

  private static final class Kit extends Transport implements PackTransport {
    private final Artifacts server;
    private final String id;

    Kit(Repository local, URIish uri, Artifacts server, String id) {
      super(local, uri);
      this.server = server;
      this.id = id;
    }

    private Repository remote() throws NoRemoteRepositoryException {
      Repository repo =
          server.repository(id).orElseThrow(() -> new NoRemoteRepositoryException(uri, "not found"));
      // The connection closes the repository when done; the engine's instance is shared.
      repo.incrementOpen();
      return repo;
    }

    @Override
    public FetchConnection openFetch() throws TransportException {
      Repository remote = remote();
      Pipes pipes = Pipes.open(uri, remote);
      pipes.serve("upload-pack", (in, out) -> new UploadPack(remote).upload(in, out, null));
      return new Fetch(this, pipes);
    }

    @Override
    public PushConnection openPush() throws TransportException {
      Repository remote = remote();
      Pipes pipes = Pipes.open(uri, remote);
      pipes.serve(
          "receive-pack",
          (in, out) -> {
            ReceivePack rp = new ReceivePack(remote);
            rp.setAtomic(true);
            rp.setAllowCreates(true);
            rp.setAllowDeletes(true);
            rp.setAllowNonFastForwards(true);
            rp.setCheckReceivedObjects(true);
            rp.receive(in, out, null);
          });
      return new Push(this, pipes);
    }

    @Override
    public void close() {}
  }

  /** The two pipes between client and server, and the server's thread. */
  private static final class Pipes {
    private static final int BUFFER = 64 * 1024;
    final InputStream clientIn;
    final OutputStream serverOut;
    final InputStream serverIn;
    final OutputStream clientOut;
    final Repository remote;
    Thread worker;

    private Pipes(Repository remote) throws IOException {
      this.remote = remote;
      Pipe toClient = new Pipe(BUFFER);
      Pipe toServer = new Pipe(BUFFER);
      clientIn = toClient.in;
      serverOut = toClient.out;
      serverIn = toServer.in;
      clientOut = toServer.out;
    }

    static Pipes open(URIish uri, Repository remote) throws TransportException {
      try {
        return new Pipes(remote);
      } catch (IOException e) {
        remote.close();
        throw new TransportException(uri, "cannot connect in-process pipes", e);
      }
    }

    interface Service {
      void run(InputStream in, OutputStream out) throws Exception;
    }

    void serve(String name, Service service) {
      worker =
          new Thread(
              () -> {
                try {
                  service.run(serverIn, serverOut);
                } catch (Exception e) {
                  // The client sees the connection end and reports its own error.
                  System.err.println("in-process " + name + " failed: " + e);
                  e.printStackTrace();
                } finally {
                  closeQuietly(serverIn);
                  closeQuietly(serverOut);
                  remote.close();
                }
              },
              "conformance-" + name);
      worker.setDaemon(true);
      worker.start();
    }

    void join() {
      try {
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static void closeQuietly(java.io.Closeable c) {
      try {
        c.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  private static final class Fetch extends BasePackFetchConnection {
    private final Pipes pipes;

    Fetch(PackTransport transport, Pipes pipes) throws TransportException {
      super(transport);
      this.pipes = pipes;
      init(pipes.clientIn, pipes.clientOut);
      readAdvertisedRefs();
    }

    @Override
    public void close() {
      super.close();
      pipes.join();
    }
  }

  private static final class Push extends BasePackPushConnection {
    private final Pipes pipes;

    Push(PackTransport transport, Pipes pipes) throws TransportException {
      super(transport);
      this.pipes = pipes;
      init(pipes.clientIn, pipes.clientOut);
      readAdvertisedRefs();
    }

    @Override
    public void close() {
      super.close();
      pipes.join();
    }
  }
}
