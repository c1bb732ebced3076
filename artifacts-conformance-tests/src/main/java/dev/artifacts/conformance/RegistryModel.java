package dev.artifacts.conformance;

import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RefValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The reference model of a {@link dev.artifacts.spi.Storage} registry: repositories with their
 * parent, read-only flag, refs and token hashes.
 */
final class RegistryModel {
  static final class Repo {
    final String parent;
    final boolean readOnly;
    final TreeMap<String, RefValue> refs;
    final Set<String> tokens = new TreeSet<>();

    Repo(String parent, boolean readOnly, Map<String, RefValue> refs) {
      this.parent = parent;
      this.readOnly = readOnly;
      this.refs = new TreeMap<>(refs);
    }
  }

  final TreeMap<String, Repo> repos = new TreeMap<>();

  boolean create(String id) {
    if (repos.containsKey(id)) {
      return false;
    }
    repos.put(id, new Repo(null, false, Map.of()));
    return true;
  }

  List<String> forks(String id) {
    List<String> out = new ArrayList<>();
    repos.forEach(
        (child, r) -> {
          if (id.equals(r.parent)) {
            out.add(child);
          }
        });
    return out;
  }

  DeleteResult delete(String id) {
    if (!repos.containsKey(id)) {
      return DeleteResult.NOT_FOUND;
    }
    if (!forks(id).isEmpty()) {
      return DeleteResult.HAS_FORKS;
    }
    repos.remove(id);
    return DeleteResult.DELETED;
  }
}
