import { setSourceMapsSupport } from 'node:module';

/**
 * Stack traces (logs, Rollbar) point at the TypeScript sources, for our own files only. `--enable-source-maps`
 * would also read and keep the map of every package in node_modules that ships one: about 20 MB of RSS for frames
 * nobody maps back. Modules compiled before this runs (the bootstrap itself) keep their JavaScript positions.
 */
setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
