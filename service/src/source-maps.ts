import { setSourceMapsSupport } from 'node:module';

/**
 * Stack traces (logs, Rollbar) point at the TypeScript sources, for our own files only. `--enable-source-maps`
 * would also read and keep in memory the map of every package in node_modules that ships one, for frames nobody
 * maps back. Modules compiled before this runs (main.ts, which loads it first) keep their JavaScript positions.
 */
setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
