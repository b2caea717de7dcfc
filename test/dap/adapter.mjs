// Starts the debug adapter from the TypeScript sources through tsx, so DebugClient can spawn it as `node test/dap/adapter.mjs`.
import { register } from 'tsx/esm/api';

register();
await import('./adapter-entry.ts');
