package dev.artifacts.storage.mem.internal;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefStore;
import dev.artifacts.spi.RefValue;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Refs in an immutable sorted map, replaced whole under a lock on every applied batch. */
final class MemRefStore implements RefStore {
  private volatile TreeMap<String, RefValue> refs;

  MemRefStore(Map<String, RefValue> initial) {
    this.refs = new TreeMap<>(initial);
  }

  @Override
  public Optional<RefValue> get(String name) {
    return Optional.ofNullable(refs.get(name));
  }

  @Override
  public Map<String, RefValue> list(String prefix) {
    TreeMap<String, RefValue> snapshot = refs;
    if (prefix.isEmpty()) {
      return java.util.Collections.unmodifiableMap(snapshot);
    }
    TreeMap<String, RefValue> out = new TreeMap<>();
    for (Map.Entry<String, RefValue> e : snapshot.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      out.put(e.getKey(), e.getValue());
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  @Override
  public synchronized RefBatchResult apply(List<RefChange> changes) {
    Set<String> seen = new HashSet<>();
    for (RefChange c : changes) {
      if (!seen.add(c.name())) {
        throw new IllegalArgumentException("batch names ref " + c.name() + " twice");
      }
    }
    TreeMap<String, RefValue> current = refs;
    for (RefChange c : changes) {
      RefValue now = current.get(c.name());
      boolean matches = c.expected() == null ? now == null : c.expected().sameTarget(now);
      if (!matches) {
        return new RefBatchResult.Conflict(c.name(), now);
      }
    }
    TreeMap<String, RefValue> next = new TreeMap<>(current);
    for (RefChange c : changes) {
      if (c.newValue() == null) {
        next.remove(c.name());
      } else {
        next.put(c.name(), c.newValue());
      }
    }
    refs = next;
    return RefBatchResult.APPLIED;
  }
}
