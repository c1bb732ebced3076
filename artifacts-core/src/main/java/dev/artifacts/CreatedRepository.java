package dev.artifacts;

/**
 * A repository just created, with a write token for it.
 *
 * @param id the repository id
 * @param token the secret of a new write-scoped token; shown once, only its hash is stored
 */
public record CreatedRepository(String id, String token) {}
