#!/usr/bin/env node
// Entry point of the Aria language server: `--stdio`, `--node-ipc` or `--socket=N`, as vscode-languageserver reads them from argv.
import { tuneServerHeap } from './memory.js';
import { startServer } from './server.js';

tuneServerHeap();
startServer();
