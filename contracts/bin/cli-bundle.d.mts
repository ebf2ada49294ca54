/** The URL of the bundled `entry` (relative to `root`), built into `outDir` when missing or stale. */
export function bundledEntry(options: {
  root: string;
  entry: string;
  outDir: string;
  /** esbuild plugins that decide what stays external; without them every npm package does. */
  plugins?: import('esbuild').Plugin[];
  /** Absolute paths of the files that define the plugins: a change to one makes the bundle stale. */
  buildFiles?: string[];
}): Promise<string>;
