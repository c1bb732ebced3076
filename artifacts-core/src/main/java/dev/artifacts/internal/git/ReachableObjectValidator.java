package dev.artifacts.internal.git;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.transport.WantNotValidException;

/**
 * Accepts a want when the object is reachable from an advertised ref, whatever its type.
 *
 * <p>JGit's own check proves reachability of commits cheaply, and of trees and blobs only with
 * bitmaps or when they sit in a tip's tree. A partial clone lazily fetches blobs of older
 * commits, so when JGit's check refuses, this validator walks every object reachable from the
 * advertised refs (stopping as soon as all wants are found) before refusing for real.
 */
final class ReachableObjectValidator implements UploadPack.RequestValidator {
  private final UploadPack.RequestValidator fast = new UploadPack.ReachableCommitRequestValidator();

  @Override
  public void checkWants(UploadPack up, List<ObjectId> wants)
      throws PackProtocolException, IOException {
    try {
      fast.checkWants(up, wants);
    } catch (WantNotValidException refused) {
      ObjectId missing = firstUnreachable(up, wants);
      if (missing != null) {
        throw new WantNotValidException(missing);
      }
    }
  }

  private static ObjectId firstUnreachable(UploadPack up, List<ObjectId> wants) throws IOException {
    Set<ObjectId> pending = new HashSet<>();
    for (ObjectId id : wants) {
      pending.add(id.copy());
    }
    try (ObjectWalk walk = new ObjectWalk(up.getRepository())) {
      for (Ref ref : up.getAdvertisedRefs().values()) {
        ObjectId tip = ref.getObjectId();
        if (tip == null) {
          continue;
        }
        pending.remove(tip);
        try {
          walk.markStart(walk.parseAny(tip));
        } catch (MissingObjectException e) {
          // A ref pointing at nothing reaches nothing.
        }
      }
      if (pending.isEmpty()) {
        return null;
      }
      RevCommit c;
      while ((c = walk.next()) != null) {
        if (pending.remove(c) && pending.isEmpty()) {
          return null;
        }
      }
      RevObject o;
      while ((o = walk.nextObject()) != null) {
        if (pending.remove(o) && pending.isEmpty()) {
          return null;
        }
      }
    }
    return pending.iterator().next();
  }
}
