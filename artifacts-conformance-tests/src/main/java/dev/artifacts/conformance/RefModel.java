package dev.artifacts.conformance;

import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The reference model of a {@link dev.artifacts.spi.RefStore}: a sorted map and the batch rule,
 * written from the SPI Javadoc alone.
 */
final class RefModel {
  private final TreeMap<String, RefValue> refs = new TreeMap<>();

  /** What a batch must do. */
  record Outcome(Kind kind, Set<String> conflicting) {
    enum Kind {
      APPLIED,
      CONFLICT,
      DUPLICATE_NAMES
    }
  }

  RefValue get(String name) {
    return refs.get(name);
  }

  Map<String, RefValue> list(String prefix) {
    Map<String, RefValue> out = new TreeMap<>();
    refs.forEach(
        (n, v) -> {
          if (n.startsWith(prefix)) {
            out.put(n, v);
          }
        });
    return out;
  }

  Outcome apply(List<RefChange> changes) {
    Set<String> names = new HashSet<>();
    for (RefChange c : changes) {
      if (!names.add(c.name())) {
        return new Outcome(Outcome.Kind.DUPLICATE_NAMES, Set.of());
      }
    }
    Set<String> conflicting = new LinkedHashSet<>();
    for (RefChange c : changes) {
      RefValue now = refs.get(c.name());
      boolean matches = c.expected() == null ? now == null : c.expected().sameTarget(now);
      if (!matches) {
        conflicting.add(c.name());
      }
    }
    if (!conflicting.isEmpty()) {
      return new Outcome(Outcome.Kind.CONFLICT, conflicting);
    }
    for (RefChange c : changes) {
      if (c.newValue() == null) {
        refs.remove(c.name());
      } else {
        refs.put(c.name(), c.newValue());
      }
    }
    return new Outcome(Outcome.Kind.APPLIED, Set.of());
  }
}
