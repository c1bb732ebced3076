package dev.artifacts.servlet.internal;

import dev.artifacts.ArtifactsException;
import dev.artifacts.Permission;
import dev.artifacts.Principal;
import dev.artifacts.RefInfo;
import dev.artifacts.repo.ArchiveFormat;
import dev.artifacts.repo.Blob;
import dev.artifacts.repo.Commit;
import dev.artifacts.repo.CommitPage;
import dev.artifacts.repo.Diff;
import dev.artifacts.repo.FileDiff;
import dev.artifacts.repo.Note;
import dev.artifacts.repo.Person;
import dev.artifacts.repo.Repo;
import dev.artifacts.repo.Tree;
import dev.artifacts.repo.TreeEntry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Read-only content of a repository: {@code GET /repos/{id}/refs}, {@code /commits}, {@code
 * /tree}, {@code /blob}, {@code /diff}, {@code /notes} and {@code /archive/{rev}.zip|.tar.gz}.
 * Only GET and HEAD of {@code /commits} are served here; other methods on that path are left to
 * the next group.
 */
final class ContentRoutes implements RestRoutes {
  static final int DEFAULT_LOG_LIMIT = 50;
  static final int DEFAULT_TREE_LIMIT = 10_000;
  static final int MAX_TREE_LIMIT = 100_000;
  static final int MAX_NOTES_LIMIT = 1000;
  static final long MAX_DIFF_BYTES = 16L << 20;
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

  @Override
  public boolean handle(RestCall call) throws IOException {
    var repoPath = call.repoPath();
    if (repoPath.isEmpty()) {
      return false;
    }
    String id = repoPath.get()[0];
    String rest = repoPath.get()[1];
    switch (rest) {
      case "/commits" -> {
        if (call.method.equals("POST")) {
          return false; // the write group's
        }
        call.allow("GET", "POST");
        log(call, repo(call, id), id);
      }
      case "/refs" -> {
        call.allow("GET");
        refs(call, repo(call, id));
      }
      case "/tree" -> {
        call.allow("GET");
        tree(call, repo(call, id));
      }
      case "/blob" -> {
        call.allow("GET");
        blob(call, repo(call, id));
      }
      case "/diff" -> {
        call.allow("GET");
        diff(call, repo(call, id));
      }
      case "/notes" -> {
        call.allow("GET");
        notes(call, repo(call, id));
      }
      default -> {
        if (!rest.startsWith("/archive/")) {
          return false;
        }
        call.allow("GET");
        archive(call, id, rest.substring("/archive/".length()));
      }
    }
    return true;
  }

  private static Repo repo(RestCall call, String id) {
    Principal who = call.require(id, Permission.READ);
    return call.artifacts.repo(id, who);
  }

  private static ArtifactsException invalid(String message) {
    return new ArtifactsException(ArtifactsException.Kind.INVALID, "invalid_parameter", message);
  }

  // ---------------------------------------------------------------- refs

  private static void refs(RestCall call, Repo repo) throws IOException {
    List<Map<String, Object>> refs = new ArrayList<>();
    for (RefInfo r : repo.refs()) {
      refs.add(RepositoryRoutes.refJson(r));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("head", repo.head().orElse(null));
    out.put("refs", refs);
    call.json(200, out);
  }

  // ---------------------------------------------------------------- commits

  private static void log(RestCall call, Repo repo, String id) throws IOException {
    int limit = (int) call.longParam("limit", DEFAULT_LOG_LIMIT, 1, Repo.MAX_LOG_LIMIT);
    String ref = call.param("ref");
    String cursor = call.param("cursor");
    CommitPage page = repo.log(ref, limit, cursor);
    List<Map<String, Object>> commits = new ArrayList<>(page.commits().size());
    for (Commit c : page.commits()) {
      commits.add(commitJson(c));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("commits", commits);
    out.put("nextCursor", page.nextCursor());
    if (page.nextCursor() != null) {
      String next = call.baseUrl() + "/v1/repos/" + id + "/commits?limit=" + limit + "&cursor="
          + URLEncoder.encode(page.nextCursor(), StandardCharsets.UTF_8);
      call.resp.setHeader("Link", "<" + next + ">; rel=\"next\"");
    }
    call.json(200, out);
  }

  static Map<String, Object> commitJson(Commit c) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", c.id());
    out.put("tree", c.tree());
    out.put("parents", c.parents());
    out.put("author", personJson(c.author()));
    out.put("committer", personJson(c.committer()));
    out.put("message", c.message());
    return out;
  }

  private static Map<String, Object> personJson(Person p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", p.name());
    out.put("email", p.email());
    out.put("date", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(p.when()));
    return out;
  }

  // ---------------------------------------------------------------- tree

  private static void tree(RestCall call, Repo repo) throws IOException {
    boolean recursive = bool(call, "recursive");
    int limit = (int) call.longParam("limit", DEFAULT_TREE_LIMIT, 1, MAX_TREE_LIMIT);
    Tree tree = repo.tree(call.param("ref"), call.param("path"), recursive, limit);
    List<Map<String, Object>> entries = new ArrayList<>(tree.entries().size());
    for (TreeEntry e : tree.entries()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", e.name());
      m.put("path", e.path());
      m.put("type", e.type().wireName());
      m.put("mode", e.modeString());
      m.put("id", e.id());
      if (e.size() != null) {
        m.put("size", e.size());
      }
      entries.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("commit", tree.commit());
    out.put("path", tree.path());
    out.put("entries", entries);
    out.put("truncated", tree.truncated());
    call.json(200, out);
  }

  private static boolean bool(RestCall call, String name) {
    String v = call.param(name);
    if (v == null || v.isEmpty() || v.equals("false") || v.equals("0")) {
      return false;
    }
    if (v.equals("true") || v.equals("1")) {
      return true;
    }
    throw invalid("query parameter '" + name + "' must be true or false, got '" + v + "'");
  }

  // ---------------------------------------------------------------- blob

  private static void blob(RestCall call, Repo repo) throws IOException {
    String path = call.param("path");
    if (path == null || path.isEmpty()) {
      throw invalid("query parameter 'path' is required");
    }
    Blob blob = repo.blob(call.param("ref"), path);
    String etag = "\"" + blob.id() + "\"";
    var resp = call.resp;
    resp.setHeader("ETag", etag);
    resp.setHeader("Accept-Ranges", "bytes");
    resp.setHeader("Cache-Control", "private, no-cache");
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    if (matches(call.req.getHeader("If-None-Match"), blob.id())) {
      resp.setStatus(304);
      return;
    }
    long size = blob.size();
    long start = 0;
    long length = size;
    String range = call.req.getHeader("Range");
    String ifRange = call.req.getHeader("If-Range");
    boolean partial = false;
    if (range != null && (ifRange == null || ifRange.trim().equals(etag))) {
      Matcher m = RANGE.matcher(range.trim());
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        long first;
        long last;
        try {
          if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            first = Math.max(0, size - suffix);
            last = suffix == 0 ? -1 : size - 1;
          } else {
            first = Long.parseLong(m.group(1));
            last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < first) {
              first = -1; // syntactically invalid: ignore the header
            }
          }
        } catch (NumberFormatException e) {
          first = -1;
          last = -1;
        }
        if (first >= 0) {
          if (first >= size || last < first) {
            resp.setHeader("Content-Range", "bytes */" + size);
            HttpResponses.jsonError(resp, 416, "range_not_satisfiable",
                "range '" + range + "' is outside the " + size + "-byte file");
            return;
          }
          start = first;
          length = last - first + 1;
          partial = true;
          resp.setHeader("Content-Range", "bytes " + first + "-" + last + "/" + size);
        }
      }
    }
    try (InputStream raw = blob.openStream()) {
      BufferedInputStream in = new BufferedInputStream(raw, 8192);
      resp.setContentType(contentType(blob.path(), in));
      resp.setStatus(partial ? 206 : 200);
      resp.setContentLengthLong(length);
      if (call.method.equals("HEAD")) {
        return;
      }
      in.skipNBytes(start);
      OutputStream out = resp.getOutputStream();
      byte[] buf = new byte[64 * 1024];
      long remaining = length;
      while (remaining > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
        if (n < 0) {
          throw new IOException("blob " + blob.id() + " ended early");
        }
        out.write(buf, 0, n);
        remaining -= n;
      }
      out.flush();
    }
  }

  /** @return true when an If-None-Match header matches the blob id */
  static boolean matches(String ifNoneMatch, String id) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.equals("*") || t.equals("\"" + id + "\"")) {
        return true;
      }
    }
    return false;
  }

  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("png", "image/png"),
      Map.entry("jpg", "image/jpeg"),
      Map.entry("jpeg", "image/jpeg"),
      Map.entry("gif", "image/gif"),
      Map.entry("webp", "image/webp"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("bmp", "image/bmp"),
      Map.entry("pdf", "application/pdf"),
      Map.entry("zip", "application/zip"),
      Map.entry("gz", "application/gzip"),
      Map.entry("tgz", "application/gzip"),
      Map.entry("jar", "application/java-archive"),
      Map.entry("wasm", "application/wasm"),
      Map.entry("woff", "font/woff"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("mp3", "audio/mpeg"),
      Map.entry("mp4", "video/mp4"),
      Map.entry("json", "application/json; charset=utf-8"));

  /**
   * Guesses the media type from the extension; text (and anything a browser could run as
   * active content, such as HTML, SVG or JavaScript) is served as {@code text/plain;
   * charset=utf-8}. Unknown extensions are sniffed: no NUL byte in the first 8000 bytes means
   * text, as git decides.
   */
  static String contentType(String path, BufferedInputStream in) throws IOException {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    String known = TYPES.get(ext);
    if (known != null) {
      return known;
    }
    in.mark(8001);
    byte[] head = in.readNBytes(8000);
    in.reset();
    for (byte b : head) {
      if (b == 0) {
        return "application/octet-stream";
      }
    }
    return "text/plain; charset=utf-8";
  }

  // ---------------------------------------------------------------- diff

  private static void diff(RestCall call, Repo repo) throws IOException {
    long maxBytes = call.longParam("maxBytes", Repo.DEFAULT_DIFF_MAX_BYTES, 0, MAX_DIFF_BYTES);
    Diff diff = repo.diff(call.param("from"), call.param("to"), maxBytes);
    List<Map<String, Object>> files = new ArrayList<>(diff.files().size());
    for (FileDiff f : diff.files()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("status", f.status().wireName());
      m.put("oldPath", f.oldPath());
      m.put("newPath", f.newPath());
      m.put("oldMode", f.oldMode() == 0 ? null : String.format("%06o", f.oldMode()));
      m.put("newMode", f.newMode() == 0 ? null : String.format("%06o", f.newMode()));
      m.put("oldId", f.oldId());
      m.put("newId", f.newId());
      if (f.status() == FileDiff.Status.RENAMED || f.status() == FileDiff.Status.COPIED) {
        m.put("similarity", f.similarity());
      }
      m.put("binary", f.binary());
      m.put("additions", f.additions());
      m.put("deletions", f.deletions());
      List<Map<String, Object>> hunks = new ArrayList<>(f.hunks().size());
      for (FileDiff.Hunk h : f.hunks()) {
        Map<String, Object> hm = new LinkedHashMap<>();
        hm.put("header", h.header());
        hm.put("lines", h.lines());
        hunks.add(hm);
      }
      m.put("hunks", hunks);
      files.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("from", diff.from());
    out.put("to", diff.to());
    out.put("truncated", diff.truncated());
    out.put("files", files);
    call.json(200, out);
  }

  // ---------------------------------------------------------------- notes

  private static void notes(RestCall call, Repo repo) throws IOException {
    String ref = call.param("ref");
    String commit = call.param("commit");
    if (commit != null && !commit.isEmpty()) {
      Note note = repo.note(ref, commit)
          .orElseThrow(() -> new ArtifactsException(
              ArtifactsException.Kind.NOT_FOUND,
              "not_found",
              "no note on '" + commit + "' in notes ref '" + notesName(ref) + "'"));
      call.json(200, noteJson(note));
      return;
    }
    int limit = (int) call.longParam("limit", 100, 1, MAX_NOTES_LIMIT);
    List<Map<String, Object>> notes = new ArrayList<>();
    for (Note n : repo.notes(ref, limit)) {
      notes.add(noteJson(n));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ref", notesName(ref));
    out.put("notes", notes);
    call.json(200, out);
  }

  private static String notesName(String ref) {
    return ref == null || ref.isEmpty() ? Repo.DEFAULT_NOTES_REF : ref.startsWith("refs/") ? ref : "refs/notes/" + ref;
  }

  private static Map<String, Object> noteJson(Note n) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", n.object());
    out.put("noteId", n.noteId());
    out.put("message", n.message());
    return out;
  }

  // ---------------------------------------------------------------- archive

  private static void archive(RestCall call, String id, String name) throws IOException {
    ArchiveFormat format;
    String rev;
    if (name.endsWith(".zip")) {
      format = ArchiveFormat.ZIP;
      rev = name.substring(0, name.length() - ".zip".length());
    } else if (name.endsWith(".tar.gz")) {
      format = ArchiveFormat.TAR_GZ;
      rev = name.substring(0, name.length() - ".tar.gz".length());
    } else if (name.endsWith(".tgz")) {
      format = ArchiveFormat.TAR_GZ;
      rev = name.substring(0, name.length() - ".tgz".length());
    } else {
      repo(call, id); // auth and existence first, as everywhere
      throw invalid("archive name '" + name + "' must end in .zip or .tar.gz");
    }
    Repo repo = repo(call, id);
    if (rev.isEmpty()) {
      throw invalid("archive name '" + name + "' names no revision");
    }
    // Resolve before the answer starts, so that an unknown revision is a clean 404.
    repo.tree(rev, "", false, 1);
    var resp = call.resp;
    String file = (id + "-" + rev).replaceAll("[^A-Za-z0-9._-]", "-") + "." + format.extension();
    resp.setStatus(200);
    resp.setContentType(format.contentType());
    resp.setHeader("Content-Disposition", "attachment; filename=\"" + file + "\"");
    resp.setHeader("Cache-Control", "private, no-cache");
    resp.setHeader("X-Content-Type-Options", "nosniff");
    if (call.method.equals("HEAD")) {
      return;
    }
    OutputStream out = resp.getOutputStream();
    try {
      repo.archive(rev, format, out);
    } catch (RuntimeException e) {
      if (!resp.isCommitted()) {
        throw e; // nothing sent yet: the handler answers with a proper error
      }
      // Part of the archive is out: fail the exchange so that the container cuts the connection
      // instead of ending the body normally; the client never sees a complete-looking archive.
      throw new IOException("archive of '" + rev + "' failed after the answer started", e);
    }
    out.flush();
  }
}
