package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.notes.NoteMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /v1/repos/{id}/notes}: a note over 1 MiB answers 413 note_too_large, as documented. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RestNoteSizeEndToEndTest {
  private static final String ADMIN = "admin-secret";

  @Test
  void aNoteOverOneMebibyteIs413() throws Exception {
    Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).adminToken(ADMIN).build();
    artifacts.createRepository("n");
    Repository git = artifacts.repository("n").orElseThrow();
    ObjectId small;
    ObjectId big;
    try (ObjectInserter ins = git.newObjectInserter()) {
      PersonIdent who = new PersonIdent("a", "a@example.com");
      small = commit(ins, new TreeFormatter(), who, "small\n");
      big = commit(ins, new TreeFormatter(), who, "big\n");
      byte[] huge = new byte[(1 << 20) + 1];
      Arrays.fill(huge, (byte) 'n');
      NoteMap notes = NoteMap.newEmptyMap();
      notes.set(small, ins.insert(Constants.OBJ_BLOB, "fine\n".getBytes(StandardCharsets.UTF_8)));
      notes.set(big, ins.insert(Constants.OBJ_BLOB, huge));
      CommitBuilder cb = new CommitBuilder();
      cb.setTreeId(notes.writeTree(ins));
      cb.setAuthor(who);
      cb.setCommitter(who);
      cb.setMessage("notes\n");
      ObjectId notesCommit = ins.insert(cb);
      ins.flush();
      update(git, "refs/heads/main", big);
      update(git, "refs/heads/other", small);
      update(git, "refs/notes/commits", notesCommit);
    }
    try (RestHarness rest = RestHarness.serve(artifacts, ADMIN)) {
      Map<String, Object> fine = rest.get("/v1/repos/n/notes?commit=" + small.name(), ADMIN).expect(200).json();
      assertThat(fine.get("message")).isEqualTo("fine\n");
      RestHarness.Answer one = rest.get("/v1/repos/n/notes?commit=" + big.name(), ADMIN);
      one.expect(413);
      assertThat(one.errorCode()).isEqualTo("note_too_large");
      assertThat(one.error().get("limit")).isEqualTo((long) (1 << 20));
      assertThat(rest.get("/v1/repos/n/notes", ADMIN).expect(413).errorCode()).isEqualTo("note_too_large");
    }
  }

  private static ObjectId commit(ObjectInserter ins, TreeFormatter tree, PersonIdent who, String message)
      throws Exception {
    CommitBuilder cb = new CommitBuilder();
    cb.setTreeId(ins.insert(tree));
    cb.setAuthor(who);
    cb.setCommitter(who);
    cb.setMessage(message);
    return ins.insert(cb);
  }

  private static void update(Repository git, String name, ObjectId id) throws Exception {
    RefUpdate ru = git.updateRef(name);
    ru.setNewObjectId(id);
    assertThat(ru.update()).isEqualTo(RefUpdate.Result.NEW);
  }
}
