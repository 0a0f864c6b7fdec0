/**
 * Schema 5: benefit status per year (domain.md §3, corrected 2026-11-30).
 * person_snapshots.suspended_years: a JSON array of years ("2026") in which
 * the person's basic benefits are suspended (达州 第十一条, 庆阳 四, 德阳 第九条).
 * person_snapshots.enrolled keeps its JSON; a layer's value may now be an
 * object of years to booleans as well as a boolean.
 */
export const sql = `
ALTER TABLE person_snapshots ADD COLUMN suspended_years TEXT NOT NULL DEFAULT '[]';
`;
