/** The rule package schema as JSON Schema, for the insurer (docs/rule-package.schema.json). */
import { z } from 'zod';
import { rulePackageSchema, PACKAGE_FORMAT } from './schema.js';

export function rulePackageJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://discharge-desk.invalid/schemas/${PACKAGE_FORMAT}.json`,
    title: 'Discharge Desk rule package',
    description:
      "One region, one version of the insurer's rules as data: basic-insurance parameters per scheme and the ordered layers with their parts. " +
      'Cross-field rules (band order, combined-cap members, at most one banded part per layer, rate + modifiers ≤ 1) are checked on load in addition to this schema.',
    ...z.toJSONSchema(rulePackageSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
