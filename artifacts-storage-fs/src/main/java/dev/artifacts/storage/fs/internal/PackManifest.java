package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.PackDescriptor;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The authoritative list of committed packs of one repository ({@code artifacts/packs}).
 *
 * <pre>
 * artifacts-packs v1
 * &lt;name&gt; TAB &lt;source, URL-encoded&gt; TAB &lt;objectCount&gt; TAB &lt;createdMillis&gt; TAB &lt;ext&gt;=&lt;length&gt;[,...]
 * ...
 * crc32 &lt;hex&gt;
 * </pre>
 */
public final class PackManifest {
  static final String FORMAT = "artifacts-packs v1";

  private PackManifest() {}

  /** @return the file content for {@code packs} (sorted by name for stable output) */
  public static byte[] serialize(Collection<PackDescriptor> packs) {
    List<PackDescriptor> sorted = new ArrayList<>(packs);
    sorted.sort((a, b) -> a.name().compareTo(b.name()));
    StringBuilder sb = new StringBuilder(64 + sorted.size() * 96);
    sb.append(FORMAT).append('\n');
    for (PackDescriptor d : sorted) {
      sb.append(d.name())
          .append('\t')
          .append(URLEncoder.encode(d.source(), StandardCharsets.UTF_8))
          .append('\t')
          .append(d.objectCount())
          .append('\t')
          .append(d.createdMillis())
          .append('\t');
      boolean first = true;
      for (Map.Entry<String, Long> f : new TreeMap<>(d.files()).entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        sb.append(f.getKey()).append('=').append(f.getValue());
      }
      sb.append('\n');
    }
    return SealedText.seal(sb.toString());
  }

  /** @return name to descriptor, in file order */
  public static Map<String, PackDescriptor> parse(byte[] data) throws SealedText.CorruptFileException {
    String[] lines = SealedText.open(data, FORMAT);
    Map<String, PackDescriptor> out = new LinkedHashMap<>();
    for (String line : lines) {
      String[] f = line.split("\t", -1);
      if (f.length != 5) {
        throw new SealedText.CorruptFileException("bad pack line: " + line);
      }
      try {
        Map<String, Long> files = new LinkedHashMap<>();
        for (String e : f[4].split(",", -1)) {
          int eq = e.indexOf('=');
          if (eq <= 0) {
            throw new SealedText.CorruptFileException("bad file entry in pack line: " + line);
          }
          files.put(e.substring(0, eq), Long.parseLong(e.substring(eq + 1)));
        }
        PackDescriptor d =
            new PackDescriptor(
                f[0],
                URLDecoder.decode(f[1], StandardCharsets.UTF_8),
                files,
                Long.parseLong(f[2]),
                Long.parseLong(f[3]));
        if (out.put(d.name(), d) != null) {
          throw new SealedText.CorruptFileException("duplicate pack " + d.name());
        }
      } catch (IllegalArgumentException e) {
        throw new SealedText.CorruptFileException("bad pack line: " + line + " (" + e + ")");
      }
    }
    return out;
  }
}
