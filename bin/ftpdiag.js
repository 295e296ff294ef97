#!/usr/bin/env node
// The CLI is written in TypeScript and run through tsx's loader, so that `npm ci` alone leaves a
// working command (no build step to forget, no stale dist/).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
