package dev.artifacts.benchmarks.peer;

import java.io.File;
import java.net.InetSocketAddress;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.transport.resolver.FileResolver;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Benchmark peer: stock JGit {@link GitServlet} over bare repositories on disk, inside embedded
 * Jetty (ee10). No authentication; receive-pack is enabled per repository by
 * {@code http.receivepack=true} in each repository's config (JGit's default receive-pack
 * factory honours it for anonymous users), exactly as for {@code git http-backend}.
 *
 * <p>Usage: {@code JGitHttpPeer --repos DIR [--bind 127.0.0.1] [--port 0]}. Repositories are
 * served at {@code http://HOST:PORT/git/NAME.git}. Prints {@code READY port=N} once listening.
 */
public final class JGitHttpPeer {

    private JGitHttpPeer() {
    }

    public static void main(String[] args) throws Exception {
        String repos = null;
        String bind = "127.0.0.1";
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repos" -> repos = args[++i];
                case "--bind" -> bind = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (repos == null) {
            throw new IllegalArgumentException("--repos DIR is required");
        }
        File base = new File(repos).getCanonicalFile();
        if (!base.isDirectory()) {
            throw new IllegalArgumentException("not a directory: " + base);
        }

        GitServlet git = new GitServlet();
        git.setRepositoryResolver(new FileResolver<HttpServletRequest>(base, true));

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(new InetSocketAddress(bind, 0).getHostString());
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder("git", git), "/git/*");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        server.start();
        System.out.println("READY port=" + connector.getLocalPort()
                + " jgit=" + org.eclipse.jgit.util.SystemReader.class.getPackage().getImplementationVersion());
        System.out.flush();
        server.join();
    }
}
