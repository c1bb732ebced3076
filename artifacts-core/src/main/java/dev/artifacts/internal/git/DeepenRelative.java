package dev.artifacts.internal.git;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Serves {@code git fetch --deepen=N} ({@code deepen-relative}), which JGit's upload-pack does
 * not implement: the request is rewritten into the absolute depth that reaches N commits past
 * the client's current shallow boundary, which JGit then serves with the usual shallow and
 * unshallow lines. On branchy histories the client may receive a few more commits than git's own
 * server would send, never fewer.
 *
 * <p>Only the request head (pkt-lines up to the first flush after the arguments) is inspected;
 * request bodies are small, but the head is capped to keep a hostile client from holding memory.
 */
final class DeepenRelative {
  private static final String CAPABILITY = "deepen-relative";
  private static final int MAX_HEAD_BYTES = 8 << 20;

  private DeepenRelative() {}

  /** One pkt-line: its text, or null for a control packet ({@code 0000}, {@code 0001}). */
  private record Packet(String text, String control) {}

  /** @return the request, rewritten when it asks for {@code deepen-relative} */
  static InputStream rewrite(Repository repo, InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
    List<Packet> packets = new ArrayList<>();
    boolean relative = false;
    // Both v0 (want/shallow/deepen, flush, haves) and v2 (command, delim, arguments, flush) put
    // every deepen argument before the first flush: read up to it.
    while (true) {
      byte[] len = in.readNBytes(4);
      head.write(len);
      if (len.length < 4) {
        return new ByteArrayInputStream(head.toByteArray());
      }
      String hex = new String(len, StandardCharsets.US_ASCII);
      int n;
      try {
        n = Integer.parseInt(hex, 16);
      } catch (NumberFormatException e) {
        throw new PackProtocolException("invalid pkt-line length: " + hex);
      }
      if (n < 4) {
        packets.add(new Packet(null, hex));
        if (n == 0) {
          break;
        }
        continue;
      }
      byte[] data = in.readNBytes(n - 4);
      head.write(data);
      String line = strip(new String(data, StandardCharsets.UTF_8));
      packets.add(new Packet(line, null));
      if (line.equals(CAPABILITY) || (line.startsWith("want ") && hasCapability(line))) {
        relative = true;
      }
      if (head.size() > MAX_HEAD_BYTES) {
        throw new PackProtocolException("fetch request too large");
      }
    }
    byte[] bytes = relative ? rewritePackets(repo, packets) : head.toByteArray();
    return new SequenceInputStream(new ByteArrayInputStream(bytes), in);
  }

  private static byte[] rewritePackets(Repository repo, List<Packet> packets) throws IOException {
    List<ObjectId> wants = new ArrayList<>();
    Set<ObjectId> shallows = new HashSet<>();
    int deepen = 0;
    for (Packet p : packets) {
      String t = p.text();
      if (t == null) {
        continue;
      }
      try {
        if (t.startsWith("want ")) {
          wants.add(ObjectId.fromString(t.substring(5, 45)));
        } else if (t.startsWith("want-ref ")) {
          Ref ref = repo.exactRef(t.substring(9).trim());
          if (ref != null && ref.getObjectId() != null) {
            wants.add(ref.getObjectId());
          }
        } else if (t.startsWith("shallow ")) {
          shallows.add(ObjectId.fromString(t.substring(8, 48)));
        } else if (t.startsWith("deepen ")) {
          deepen = Integer.parseInt(t.substring(7).trim());
        }
      } catch (RuntimeException e) {
        throw new PackProtocolException("malformed fetch argument: " + t);
      }
    }
    int absolute = absoluteDepth(repo, wants, shallows, deepen);
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    for (Packet p : packets) {
      String t = p.text();
      if (t == null) {
        out.write(p.control().getBytes(StandardCharsets.US_ASCII));
        continue;
      }
      if (t.equals(CAPABILITY)) {
        continue;
      }
      if (t.startsWith("want ") && hasCapability(t)) {
        t = t.replace(" " + CAPABILITY, "");
      } else if (t.startsWith("deepen ")) {
        t = "deepen " + absolute;
      }
      byte[] data = (t + "\n").getBytes(StandardCharsets.UTF_8);
      out.write(String.format("%04x", data.length + 4).getBytes(StandardCharsets.US_ASCII));
      out.write(data);
    }
    return out.toByteArray();
  }

  /**
   * The depth, counted from the wants, whose boundary lies {@code deepen} commits past the
   * deepest current shallow commit reached from them.
   */
  static int absoluteDepth(Repository repo, List<ObjectId> wants, Set<ObjectId> shallows, int deepen)
      throws IOException {
    int reach = 0;
    try (RevWalk walk = new RevWalk(repo)) {
      Map<ObjectId, Integer> distance = new HashMap<>();
      ArrayDeque<RevCommit> queue = new ArrayDeque<>();
      for (ObjectId w : wants) {
        RevObject o;
        try {
          o = walk.peel(walk.parseAny(w));
        } catch (MissingObjectException e) {
          continue;
        }
        if (o instanceof RevCommit c && distance.putIfAbsent(c.copy(), 0) == null) {
          queue.add(c);
        }
      }
      while (!queue.isEmpty()) {
        RevCommit c = queue.poll();
        int d = distance.get(c);
        if (shallows.contains(c)) {
          reach = Math.max(reach, d);
          continue;
        }
        walk.parseHeaders(c);
        for (RevCommit p : c.getParents()) {
          if (distance.putIfAbsent(p.copy(), d + 1) == null) {
            queue.add(p);
          }
        }
      }
    }
    long depth = (long) reach + deepen + 1;
    return (int) Math.min(Integer.MAX_VALUE - 1, depth);
  }

  private static boolean hasCapability(String wantLine) {
    for (String token : wantLine.split(" ")) {
      if (token.equals(CAPABILITY)) {
        return true;
      }
    }
    return false;
  }

  private static String strip(String line) {
    return line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
  }
}
