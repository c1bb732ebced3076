package dev.artifacts.internal.engine;

import static org.eclipse.jgit.transport.ReceiveCommand.Result.LOCK_FAILURE;
import static org.eclipse.jgit.transport.ReceiveCommand.Result.NOT_ATTEMPTED;
import static org.eclipse.jgit.transport.ReceiveCommand.Result.OK;
import static org.eclipse.jgit.transport.ReceiveCommand.Result.REJECTED_MISSING_OBJECT;
import static org.eclipse.jgit.transport.ReceiveCommand.Result.REJECTED_NONFASTFORWARD;
import static org.eclipse.jgit.transport.ReceiveCommand.Result.REJECTED_OTHER_REASON;

import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.BatchRefUpdate;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ProgressMonitor;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.ReceiveCommand;

/**
 * Applies a batch of ref commands through the store's compare-and-swap. An atomic batch is one
 * store call, so either every ref moves or none does; otherwise each command is its own
 * compare-and-swap and fails alone.
 */
final class StoreBatchRefUpdate extends BatchRefUpdate {
  private final StoreRefDatabase refdb;

  StoreBatchRefUpdate(StoreRefDatabase refdb) {
    super(refdb);
    this.refdb = refdb;
  }

  @Override
  public void execute(RevWalk walk, ProgressMonitor monitor, List<String> options)
      throws IOException {
    if (options != null) {
      setPushOptions(options);
    }
    List<ReceiveCommand> pending = new ArrayList<>();
    for (ReceiveCommand cmd : getCommands()) {
      if (cmd.getResult() == NOT_ATTEMPTED) {
        pending.add(cmd);
      }
    }
    Map<String, RefValue> current = refdb.list("");
    for (ReceiveCommand cmd : pending) {
      validate(walk, cmd, current);
    }
    List<ReceiveCommand> valid = new ArrayList<>();
    for (ReceiveCommand cmd : pending) {
      if (cmd.getResult() == NOT_ATTEMPTED) {
        valid.add(cmd);
      }
    }
    if (isAtomic()) {
      if (valid.size() != pending.size()) {
        ReceiveCommand.abort(pending);
        return;
      }
      applyAtomically(walk, valid);
    } else {
      for (ReceiveCommand cmd : valid) {
        applyAtomically(walk, List.of(cmd));
      }
    }
  }

  private void validate(RevWalk walk, ReceiveCommand cmd, Map<String, RefValue> current)
      throws IOException {
    if (isMissing(walk, cmd.getOldId()) || isMissing(walk, cmd.getNewId())) {
      cmd.setResult(REJECTED_MISSING_OBJECT);
      return;
    }
    cmd.updateType(walk);
    if (cmd.getType() == ReceiveCommand.Type.UPDATE_NONFASTFORWARD && !isAllowNonFastForwards()) {
      cmd.setResult(REJECTED_NONFASTFORWARD);
      return;
    }
    if (cmd.getType() == ReceiveCommand.Type.CREATE) {
      String conflict = conflictingName(cmd.getRefName(), current.keySet());
      if (conflict != null) {
        cmd.setResult(
            REJECTED_OTHER_REASON,
            "ref name " + cmd.getRefName() + " conflicts with existing ref " + conflict);
      }
    }
  }

  private void applyAtomically(RevWalk walk, List<ReceiveCommand> cmds) throws IOException {
    if (cmds.isEmpty()) {
      return;
    }
    List<RefChange> changes = new ArrayList<>(cmds.size());
    for (ReceiveCommand cmd : cmds) {
      RefValue expected =
          ObjectId.zeroId().equals(cmd.getOldId()) ? null : RefValue.of(cmd.getOldId());
      RefValue newValue =
          ObjectId.zeroId().equals(cmd.getNewId())
              ? null
              : StoreRefDatabase.valueFor(walk, cmd.getNewId());
      changes.add(new RefChange(cmd.getRefName(), expected, newValue));
    }
    RefBatchResult result = refdb.apply(changes);
    if (result instanceof RefBatchResult.Conflict conflict) {
      for (ReceiveCommand cmd : cmds) {
        if (cmd.getRefName().equals(conflict.refName())) {
          cmd.setResult(LOCK_FAILURE, "ref changed concurrently; fetch and retry");
        }
      }
      ReceiveCommand.abort(cmds);
      return;
    }
    for (ReceiveCommand cmd : cmds) {
      cmd.setResult(OK);
    }
  }

  private static String conflictingName(String name, Set<String> existing) {
    Set<String> prefixes = new HashSet<>();
    addPrefixesTo(name, prefixes);
    for (String prefix : prefixes) {
      if (existing.contains(prefix)) {
        return prefix;
      }
    }
    String asDir = name + "/";
    for (String other : existing) {
      if (other.startsWith(asDir)) {
        return other;
      }
    }
    return null;
  }

  private static boolean isMissing(RevWalk walk, ObjectId id) throws IOException {
    if (ObjectId.zeroId().equals(id)) {
      return false;
    }
    try {
      walk.parseAny(id);
      return false;
    } catch (MissingObjectException e) {
      return true;
    }
  }
}
