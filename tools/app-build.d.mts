/** Types of tools/app-build.mjs (plain JavaScript, so that `npm start` runs it with node alone). */
export declare const ROOT: string;
export declare const RENDERER_DIR: string;
export declare const HOST_DIR: string;
export declare const HOST_MAIN: string;
/** The worker's entry: runs HOST_WORKER_BUNDLE with V8's code cache. */
export declare const HOST_WORKER: string;
export declare const HOST_WORKER_BUNDLE: string;
/** True when `outDir` was built from exactly the files and settings its stamp lists, as they are now. */
export declare function isFresh(outDir: string, settings: unknown, outputs?: string[]): boolean;
/** Builds the renderer into `outDir` unless it is fresh; true when it built. */
export declare function ensureRenderer(options?: {
  outDir?: string;
  sourcemap?: boolean;
  force?: boolean;
}): Promise<boolean>;
/** Bundles the browser host and its worker into out/host unless fresh; true when it built. */
export declare function ensureHost(options?: { force?: boolean }): Promise<boolean>;
export declare function ensureApp(options?: { force?: boolean }): Promise<{ renderer: boolean; host: boolean }>;
