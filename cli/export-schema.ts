/** Writes docs/rule-package.schema.json from the one schema in shared/rules/schema.ts. */
import { writeFileSync } from 'node:fs';
import { rulePackageJsonSchema } from '../shared/rules/json-schema.js';

const target = new URL('../docs/rule-package.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(rulePackageJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
