package dev.artifacts.internal.git;

import dev.artifacts.PushLimits;
import dev.artifacts.internal.RefChains;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.pack.PackConfig;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Git wire protocol over a request/response pair of streams, as smart HTTP uses it
 * (stateless: one request body in, one response body out). Container-independent: the servlet
 * adapter does routing, authentication, status codes and content types.
 */
public final class GitService {
  public static final String UPLOAD_PACK = "git-upload-pack";
  public static final String RECEIVE_PACK = "git-receive-pack";
  private static final Logger LOG = LoggerFactory.getLogger(GitService.class);

  private final PushLimits limits;

  public GitService(PushLimits limits) {
    this.limits = limits;
  }

  /** The client's protocol request, from the {@code Git-Protocol} header. */
  public record ProtocolRequest(List<String> parameters) {
    public static ProtocolRequest parse(String header) {
      List<String> params = new ArrayList<>();
      if (header != null) {
        for (String p : header.split(":")) {
          if (!p.isBlank()) {
            params.add(p.trim());
          }
        }
      }
      return new ProtocolRequest(List.copyOf(params));
    }

    public int version() {
      if (parameters.contains("version=2")) {
        return 2;
      }
      return parameters.contains("version=1") ? 1 : 0;
    }
  }

  /**
   * Writes the {@code info/refs} response body for {@code service}: the v0/v1 ref advertisement
   * with its {@code # service=} header, or the v2 capability advertisement.
   */
  public void advertise(
      Repository repo, String service, ProtocolRequest protocol, Predicate<String> visible, OutputStream out)
      throws IOException {
    PacketLineOut pck = new PacketLineOut(out);
    PacketLineOutRefAdvertiser adv = new PacketLineOutRefAdvertiser(pck);
    if (service.equals(UPLOAD_PACK)) {
      try (UploadPack up = newUploadPack(repo, protocol, visible)) {
        try {
          if (protocol.version() == 2) {
            up.sendAdvertisedRefs(adv, service);
          } else {
            pck.writeString("# service=" + service + "\n");
            pck.end();
            if (protocol.version() == 1) {
              pck.writeString("version 1\n");
            }
            // JGit parses these in v0/v1 requests but does not advertise them; deepen-relative
            // is served by rewriting the request (DeepenRelative).
            adv.advertiseCapability("deepen-since");
            adv.advertiseCapability("deepen-not");
            adv.advertiseCapability("deepen-relative");
            up.sendAdvertisedRefs(adv, null);
          }
        } finally {
          up.getRevWalk().close();
        }
      }
    } else {
      ReceivePack rp = newReceivePack(repo, visible);
      try {
        pck.writeString("# service=" + service + "\n");
        pck.end();
        if (protocol.version() == 1) {
          pck.writeString("version 1\n");
        }
        // Ask clients for self-contained packs: completing a thin pack on an append-only store
        // leaves a pack header whose object count stock git rejects when it reads the fs layout.
        adv.advertiseCapability("no-thin");
        rp.sendAdvertisedRefs(adv);
      } finally {
        rp.getRevWalk().close();
      }
    }
    out.flush();
  }

  /** Serves one {@code git-upload-pack} request (fetch, clone, ls-refs). */
  public void upload(
      Repository repo, ProtocolRequest protocol, Predicate<String> visible, InputStream in, OutputStream out)
      throws IOException {
    try (UploadPack up = newUploadPack(repo, protocol, visible)) {
      up.uploadWithExceptionPropagation(DeepenRelative.rewrite(repo, in), out, null);
    }
  }

  /** Serves one {@code git-receive-pack} request (push), checking it before any ref moves. */
  public void receive(
      Repository repo, String pusher, Predicate<String> visible, InputStream in, OutputStream out)
      throws IOException {
    ReceivePack rp = newReceivePack(repo, visible);
    rp.setRefLogIdent(new PersonIdent(pusher == null ? "anonymous" : pusher, ""));
    rp.receiveWithExceptionPropagation(in, out, null);
  }

  private UploadPack newUploadPack(Repository repo, ProtocolRequest protocol, Predicate<String> visible) {
    UploadPack up = new UploadPack(repo);
    if (visible != null) {
      // The validator checks wants against the filtered refs, so objects reachable only from
      // hidden refs cannot be fetched by id either.
      up.setRefFilter(refs -> onlyVisible(refs, visible));
    }
    up.setBiDirectionalPipe(false);
    up.setExtraParameters(protocol.parameters());
    up.setRequestValidator(new ReachableObjectValidator());
    up.setPackConfig(uploadPackConfig(repo));
    return up;
  }

  /** Keeps the refs the caller may see ({@link RefChains#isVisible}). */
  private static Map<String, Ref> onlyVisible(Map<String, Ref> refs, Predicate<String> visible) {
    Map<String, Ref> out = new HashMap<>();
    for (Map.Entry<String, Ref> e : refs.entrySet()) {
      if (RefChains.isVisible(e.getValue(), visible)) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** A push may update a ref when it and, if it is symbolic, the refs it leads to are visible. */
  private static boolean mayUpdate(Repository repo, String refName, Predicate<String> visible) {
    if (!visible.test(refName)) {
      return false;
    }
    try {
      Ref current = repo.getRefDatabase().exactRef(refName);
      return current == null || RefChains.isVisible(current, visible);
    } catch (IOException e) {
      // Cannot tell where the ref leads: refuse rather than risk writing a hidden ref.
      return false;
    }
  }

  /**
   * Stored deltas are reused, but no new delta search runs while a client waits: a full clone
   * streams the repacked pack as it is, and for shallow, filtered or incremental packs the search
   * (a window over every object stored whole) costs the server far more time than the bytes it
   * saves cost the client.
   */
  private static PackConfig uploadPackConfig(Repository repo) {
    PackConfig config = new PackConfig(repo);
    config.setDeltaCompress(false);
    config.setReuseDeltas(true);
    config.setReuseObjects(true);
    return config;
  }

  private ReceivePack newReceivePack(Repository repo, Predicate<String> visible) {
    ReceivePack rp = new ReceivePack(repo);
    if (visible != null) {
      rp.setRefFilter(refs -> onlyVisible(refs, visible));
      rp.setPreReceiveHook(
          (pack, commands) -> {
            for (ReceiveCommand cmd : commands) {
              if (!mayUpdate(repo, cmd.getRefName(), visible)) {
                cmd.setResult(
                    ReceiveCommand.Result.REJECTED_OTHER_REASON,
                    "you may not update " + cmd.getRefName());
              }
            }
          });
    }
    rp.setBiDirectionalPipe(false);
    rp.setAtomic(true);
    rp.setAllowPushOptions(true);
    rp.setAllowCreates(true);
    rp.setAllowDeletes(true);
    rp.setAllowNonFastForwards(true);
    rp.setCheckReceivedObjects(true);
    rp.setCheckReferencedObjectsAreReachable(true);
    if (limits.maxPackBytes() > 0) {
      rp.setMaxPackSizeLimit(limits.maxPackBytes());
    }
    if (limits.maxObjectBytes() > 0) {
      rp.setMaxObjectSizeLimit(limits.maxObjectBytes());
    }
    rp.setPostReceiveHook((pack, commands) -> pointUnbornHeadAtPushedBranch(repo, commands));
    return rp;
  }

  /**
   * A new repository's HEAD names {@code main}; when the first push brings other branches only,
   * HEAD follows the pushed branch so clones check something out, as hosted Git services do.
   */
  private static void pointUnbornHeadAtPushedBranch(
      Repository repo, Collection<ReceiveCommand> commands) {
    try {
      Ref head = repo.exactRef(Constants.HEAD);
      if (head == null || !head.isSymbolic() || head.getObjectId() != null) {
        return;
      }
      List<String> created = new ArrayList<>();
      for (ReceiveCommand cmd : commands) {
        if (cmd.getResult() == ReceiveCommand.Result.OK
            && cmd.getType() == ReceiveCommand.Type.CREATE
            && cmd.getRefName().startsWith(Constants.R_HEADS)) {
          created.add(cmd.getRefName());
        }
      }
      String target =
          created.contains("refs/heads/main") ? "refs/heads/main"
              : created.contains("refs/heads/master") ? "refs/heads/master"
              : created.isEmpty() ? null : created.get(0);
      if (target == null || target.equals(head.getTarget().getName())) {
        return;
      }
      RefUpdate u = repo.getRefDatabase().newUpdate(Constants.HEAD, false);
      RefUpdate.Result r = u.link(target);
      if (r != RefUpdate.Result.FORCED && r != RefUpdate.Result.NEW && r != RefUpdate.Result.NO_CHANGE) {
        LOG.debug("HEAD of {} not moved to {}: {}", repo, target, r);
      }
    } catch (IOException e) {
      LOG.warn("could not point HEAD of {} at the pushed branch", repo, e);
    }
  }
}
