/** Media types of the OCI image spec (image-spec media-types.md) and Docker's schema 2 equivalents. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const REF_NAME = 'org.opencontainers.image.ref.name';

/** The layer media type of a blob from its first bytes (gzip, zstd, else a plain tar). */
export function layerMediaTypeOf(head: Uint8Array): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return OCI_LAYER_GZIP;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return OCI_LAYER_ZSTD;
  return OCI_LAYER;
}

/** An OCI manifest may only name OCI layer types: Docker's map to their OCI twins. */
export function ociLayerType(recorded: string | null): string | null {
  if (!recorded) return null;
  if (recorded.startsWith('application/vnd.oci.image.layer.')) return recorded;
  if (recorded === 'application/vnd.docker.image.rootfs.diff.tar.gzip') return OCI_LAYER_GZIP;
  if (recorded === 'application/vnd.docker.image.rootfs.diff.tar.zstd') return OCI_LAYER_ZSTD;
  return null;
}
