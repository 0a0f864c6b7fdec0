/** Writes docs/sync-protocol.openapi.yaml from the protocol's zod schemas (insurer/openapi.ts). */
import { writeFileSync } from 'node:fs';
import { openApiYaml } from './openapi.js';

const target = new URL('../docs/sync-protocol.openapi.yaml', import.meta.url);
writeFileSync(target, openApiYaml());
process.stdout.write(`wrote ${target.pathname}\n`);
