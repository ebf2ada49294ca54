#!/usr/bin/env node
// The CLI is written in TypeScript and run through tsx's loader so that no build step stands
// between editing a contract tool and using it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
