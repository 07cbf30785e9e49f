package io.sdtune.gateway.adapter;

import java.util.List;

/**
 * A file of an adapter as {@code GET /api/adapters/{id}/files} lists it: its path in the adapter, its size and
 * SHA-256 as stored (what a download in its first format gives), and the formats it may be downloaded in.
 */
public record AdapterFile(String name, long sizeBytes, String sha256, List<String> formats) {
}
