/** Writes shared/engine/request-validator.generated.ts from the request's JSON Schema (cli/request-validator.ts). */
import { writeFileSync } from 'node:fs';
import { GENERATED_PATH, requestValidatorSource } from './request-validator.js';

writeFileSync(GENERATED_PATH, await requestValidatorSource());
process.stdout.write(`wrote ${GENERATED_PATH.pathname}\n`);
