package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.RefValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The authoritative refs of one repository ({@code artifacts/refs}), including {@code HEAD} and
 * any symbolic ref, plus rendering of the git-readable mirrors {@code packed-refs} and {@code
 * HEAD}.
 *
 * <pre>
 * artifacts-refs v1
 * R TAB &lt;name&gt; TAB &lt;object id&gt; TAB &lt;peeled id or empty&gt;
 * S TAB &lt;name&gt; TAB &lt;symbolic target&gt;
 * ...
 * crc32 &lt;hex&gt;
 * </pre>
 */
public final class RefsFile {
  static final String FORMAT = "artifacts-refs v1";

  /** Header of the {@code packed-refs} mirror, exactly as git writes it. */
  public static final String PACKED_REFS_HEADER = "# pack-refs with: peeled fully-peeled sorted \n";

  /** What the {@code HEAD} mirror says when the store has no usable HEAD. */
  public static final String DEFAULT_HEAD = "ref: refs/heads/main\n";

  private RefsFile() {}

  /**
   * @throws IllegalArgumentException when a name or symbolic target is empty or contains a control
   *     character (git forbids them; this file format relies on it)
   */
  public static void checkName(String what, String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty " + what);
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException(what + " contains a control character: " + s.strip());
      }
    }
  }

  public static byte[] serialize(Map<String, RefValue> refs) {
    StringBuilder sb = new StringBuilder(64 + refs.size() * 80);
    sb.append(FORMAT).append('\n');
    for (Map.Entry<String, RefValue> e : refs.entrySet()) {
      RefValue v = e.getValue();
      if (v.isSymbolic()) {
        sb.append("S\t").append(e.getKey()).append('\t').append(v.symbolicTarget()).append('\n');
      } else {
        sb.append("R\t").append(e.getKey()).append('\t').append(v.objectId().name()).append('\t');
        if (v.peeledId() != null) {
          sb.append(v.peeledId().name());
        }
        sb.append('\n');
      }
    }
    return SealedText.seal(sb.toString());
  }

  public static NavigableMap<String, RefValue> parse(byte[] data)
      throws SealedText.CorruptFileException {
    String[] lines = SealedText.open(data, FORMAT);
    NavigableMap<String, RefValue> out = new TreeMap<>();
    for (String line : lines) {
      String[] f = line.split("\t", -1);
      try {
        RefValue v;
        if (f.length == 4 && f[0].equals("R")) {
          v = new RefValue(
              ObjectId.fromString(f[2]), f[3].isEmpty() ? null : ObjectId.fromString(f[3]), null);
        } else if (f.length == 3 && f[0].equals("S")) {
          v = RefValue.symbolic(f[2]);
        } else {
          throw new SealedText.CorruptFileException("bad ref line: " + line);
        }
        if (out.put(f[1], v) != null) {
          throw new SealedText.CorruptFileException("duplicate ref " + f[1]);
        }
      } catch (IllegalArgumentException e) {
        throw new SealedText.CorruptFileException("bad ref line: " + line + " (" + e + ")");
      }
    }
    return out;
  }

  /**
   * Renders git's {@code packed-refs}: every non-symbolic ref under {@code refs/}, sorted by the
   * bytes of the name as git requires, with {@code ^<peeled>} lines where the peeled id is known.
   * Symbolic refs other than HEAD and names outside {@code refs/} cannot be expressed there and are
   * left out.
   */
  public static byte[] renderPackedRefs(Map<String, RefValue> refs) {
    List<Map.Entry<String, RefValue>> entries = new ArrayList<>();
    for (Map.Entry<String, RefValue> e : refs.entrySet()) {
      if (e.getKey().startsWith("refs/") && !e.getValue().isSymbolic()) {
        entries.add(e);
      }
    }
    entries.sort(
        (a, b) ->
            Arrays.compareUnsigned(
                a.getKey().getBytes(StandardCharsets.UTF_8),
                b.getKey().getBytes(StandardCharsets.UTF_8)));
    StringBuilder sb = new StringBuilder(PACKED_REFS_HEADER.length() + entries.size() * 90);
    sb.append(PACKED_REFS_HEADER);
    for (Map.Entry<String, RefValue> e : entries) {
      RefValue v = e.getValue();
      sb.append(v.objectId().name()).append(' ').append(e.getKey()).append('\n');
      if (v.peeledId() != null) {
        sb.append('^').append(v.peeledId().name()).append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Renders git's {@code HEAD} file. */
  public static byte[] renderHead(Map<String, RefValue> refs) {
    RefValue head = refs.get("HEAD");
    String s;
    if (head == null) {
      s = DEFAULT_HEAD;
    } else if (head.isSymbolic()) {
      // git only accepts a HEAD that links below refs/
      s = head.symbolicTarget().startsWith("refs/")
          ? "ref: " + head.symbolicTarget() + "\n"
          : DEFAULT_HEAD;
    } else {
      s = head.objectId().name() + "\n";
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
