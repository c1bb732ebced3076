package dev.artifacts.conformance;

import dev.artifacts.spi.PackDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference model of an {@link dev.artifacts.spi.ObjectStore}'s visible state: committed
 * descriptors with the bytes of their files. Uncommitted writes have no place in it: they must
 * never be visible.
 */
final class PackModel {
  private final TreeMap<String, PackDescriptor> visible = new TreeMap<>();
  private final Map<String, Map<String, byte[]>> content = new TreeMap<>();

  void commit(Collection<PackDescriptor> added, Map<String, Map<String, byte[]>> files, Collection<String> replaced) {
    for (PackDescriptor d : added) {
      visible.put(d.name(), d);
      content.put(d.name(), files.get(d.name()));
    }
    for (String r : replaced) {
      visible.remove(r);
      content.remove(r);
    }
  }

  /** @return visible pack names in ascending order */
  List<String> names() {
    return new ArrayList<>(visible.keySet());
  }

  Collection<PackDescriptor> descriptors() {
    return visible.values();
  }

  byte[] file(String pack, String ext) {
    return content.get(pack).get(ext);
  }
}
