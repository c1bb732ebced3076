package dev.artifacts.repo;

import java.util.Objects;

/**
 * A git note attached to an object.
 *
 * @param object the id of the annotated object (usually a commit)
 * @param noteId the id of the blob that holds the note
 * @param message the note's text, decoded as UTF-8
 */
public record Note(String object, String noteId, String message) {
  public Note {
    Objects.requireNonNull(object, "object");
    Objects.requireNonNull(noteId, "noteId");
    Objects.requireNonNull(message, "message");
  }
}
