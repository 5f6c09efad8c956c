export { TABLE_COLUMNS, tableRow, tableRows, type TableRow } from './table.js';
export { resultsJson } from './json.js';
export { CSV_COLUMNS, csvField, resultsCsv } from './csv.js';
export { resultsJunit } from './junit.js';
export { gradescopeResults, gradescopeRun, type GradescopeOptions, type GradescopeResults, type GradescopeVisibility } from './gradescope.js';
export { resultsMarkdown } from './markdown.js';

/** The names `gobox class results --format` accepts. */
export const RESULT_FORMATS = ['table', 'json', 'csv', 'junit', 'gradescope', 'markdown'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];
