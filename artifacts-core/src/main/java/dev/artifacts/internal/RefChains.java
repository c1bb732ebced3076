package dev.artifacts.internal;

import java.util.function.Predicate;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;

/**
 * The one rule for whether a caller may see or move a ref, used by the git protocol, REST reads
 * and REST writes alike: a ref is visible when its own name and every name its symbolic chain
 * passes through are visible, so a visible alias can never reveal or move a hidden ref and a
 * hidden alias cannot be read through its visible target. {@code HEAD} is judged by what it
 * points at (hosts' predicates name branches, not {@code HEAD}); a detached {@code HEAD} by the
 * name {@code HEAD}.
 */
public final class RefChains {
  private RefChains() {}

  /**
   * @param ref a ref as read from the ref database (symbolic refs resolved to their targets)
   * @param visibleName whether the caller may see the ref of that name
   * @return whether the caller may see {@code ref}
   */
  public static boolean isVisible(Ref ref, Predicate<String> visibleName) {
    Ref r = ref.isSymbolic() && ref.getName().equals(Constants.HEAD) ? ref.getTarget() : ref;
    for (; ; r = r.getTarget()) {
      if (!visibleName.test(r.getName())) {
        return false;
      }
      if (!r.isSymbolic()) {
        return true;
      }
    }
  }
}
