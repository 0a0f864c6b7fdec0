/** Starts the browser host: `npm start` where Electron cannot run, and `npm run host`. */
import { fileURLToPath } from 'node:url';
import { bundledRuleSet } from '../../shared/rules/bundled.js';
import { createHandlers } from '../services/handlers.js';
import { startHost } from './server.js';

const staticDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
const port = process.env['DESK_PORT'] ? Number(process.env['DESK_PORT']) : 0;
const host = await startHost({ staticDir, handlers: createHandlers(bundledRuleSet()), port });
process.stdout.write(`Discharge Desk (browser host) on 127.0.0.1 only. Open:\n  ${host.url}\n`);
const stop = () => void host.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
