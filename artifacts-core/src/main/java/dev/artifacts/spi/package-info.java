/**
 * The storage SPI: what a backend implements so the engine can serve Git repositories from it.
 *
 * <p>Three interfaces carry the contract: {@link dev.artifacts.spi.Storage} (the registry of
 * repositories and durable records), {@link dev.artifacts.spi.ObjectStore} (immutable
 * pack-shaped files made visible atomically) and {@link dev.artifacts.spi.RefStore} (refs with an
 * atomic batch compare-and-swap). Expected outcomes are values; backend failure is the one
 * unchecked {@link dev.artifacts.spi.StorageException}.
 */
package dev.artifacts.spi;
