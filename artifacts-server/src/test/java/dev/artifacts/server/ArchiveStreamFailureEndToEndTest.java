package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An archive that fails after its answer has started must not reach the client as a complete,
 * valid-looking file: the exchange is cut, so the client sees an error.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ArchiveStreamFailureEndToEndTest {
  private static final String ADMIN = "admin-secret";

  @Test
  void aFailureMidArchiveCutsTheAnswer() throws Exception {
    Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).adminToken(ADMIN).build();
    artifacts.createRepository("r");
    Repository git = artifacts.repository("r").orElseThrow();
    try (ObjectInserter ins = git.newObjectInserter()) {
      byte[] noise = new byte[2 << 20];
      new Random(1).nextBytes(noise);
      // a file whose blob storage has lost: reading it fails after 2 MiB of archive are out
      TreeFormatter tree = new TreeFormatter();
      tree.append("a.bin", FileMode.REGULAR_FILE, ins.insert(Constants.OBJ_BLOB, noise));
      tree.append("z-lost", FileMode.REGULAR_FILE, ObjectId.fromString("0123456789012345678901234567890123456789"));
      CommitBuilder cb = new CommitBuilder();
      cb.setTreeId(ins.insert(tree));
      cb.setAuthor(new PersonIdent("a", "a@example.com"));
      cb.setCommitter(new PersonIdent("a", "a@example.com"));
      cb.setMessage("m\n");
      ObjectId commit = ins.insert(cb);
      ins.flush();
      RefUpdate ru = git.updateRef("refs/heads/main");
      ru.setNewObjectId(commit);
      assertThat(ru.update()).isEqualTo(RefUpdate.Result.NEW);
    }
    try (RestHarness rest = RestHarness.serve(artifacts, ADMIN)) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
      for (String ext : new String[] {"zip", "tar.gz"}) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(rest.base() + "/v1/repos/r/archive/main." + ext))
                .header("Authorization", "Bearer " + ADMIN)
                .timeout(Duration.ofSeconds(60))
                .build();
        HttpResponse<byte[]> answer = null;
        IOException cut = null;
        try {
          answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
          cut = e;
        }
        if (cut == null) {
          // the only acceptable complete answer is an error, never a 200 with a short archive
          assertThat(answer.statusCode()).as(ext + ": a complete answer of " + answer.body().length + " bytes").isNotEqualTo(200);
        }
      }
    }
  }
}
