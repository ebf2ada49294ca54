/** The URL of the bundled `entry` (relative to `root`), built into `outDir` when missing or stale. */
export function bundledEntry(options: { root: string; entry: string; outDir: string }): Promise<string>;
