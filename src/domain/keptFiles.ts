/**
 * Files whose bytes Strata keeps whole, not only their digest: the os-release
 * files that name an image's distribution, in the order os-release(5) looks
 * them up (/etc first). Everything else in a layer is known by its entry alone.
 */
export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'] as const;

export const KEPT_PATHS: ReadonlySet<string> = new Set(OS_RELEASE_PATHS);
